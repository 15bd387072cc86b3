/**
 * What the CLI writes. Human output is coloured when the stream is a terminal, unless
 * `NO_COLOR` is set (https://no-color.org); `FORCE_COLOR` forces it for pipes. Lines meant for
 * scripts (`hash-key`, `health`'s JSON) are never coloured.
 */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** Colours for stdout and stderr, each decided for its own stream. */
  readonly color: { out: Paint; err: Paint };
  /** Standard input, for commands that read it (hash-key without a key). */
  readonly stdin?: AsyncIterable<Buffer | string>;
}

export interface Paint {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const PAINT: Paint = { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), green: ansi(32, 39), yellow: ansi(33, 39) };
const identity = (text: string) => text;
const PLAIN: Paint = { bold: identity, dim: identity, red: identity, green: identity, yellow: identity };

/** Whether to colour a stream: never with NO_COLOR (any value), always with FORCE_COLOR (not "0"), else on a terminal that is not dumb. */
export function wantsColor(env: Readonly<Record<string, string | undefined>>, isTTY: boolean | undefined): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return isTTY === true && env.TERM !== "dumb";
}

export function paint(enabled: boolean): Paint {
  return enabled ? PAINT : PLAIN;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  color: { out: paint(wantsColor(process.env, process.stdout.isTTY)), err: paint(wantsColor(process.env, process.stderr.isTTY)) },
  stdin: process.stdin,
};
