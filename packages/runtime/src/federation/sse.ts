/**
 * Server-sent events as a federating gateway needs them: split a byte stream into whole events
 * as it arrives (a stream is never buffered to its end: a tool call may wait on an elicitation
 * the client only sees mid-stream), and rewrite the JSON-RPC message or the id of one event while
 * every other line passes through unchanged.
 */

/** Longest event the gateway holds while waiting for its end; a longer one is a broken upstream. */
export const MAX_EVENT_BYTES = 16 * 1024 * 1024;

const EVENT_END = /\r\n\r\n|\n\n|\r\r/;

/** Collects chunks and hands out each complete event (without its blank-line terminator). */
export class SseSplitter {
  #pending = "";
  readonly #decoder = new TextDecoder();

  /** The events completed by this chunk, in order. Throws when one grows past `MAX_EVENT_BYTES`. */
  push(chunk: Uint8Array): string[] {
    this.#pending += this.#decoder.decode(chunk, { stream: true });
    const events: string[] = [];
    for (let match = EVENT_END.exec(this.#pending); match; match = EVENT_END.exec(this.#pending)) {
      events.push(this.#pending.slice(0, match.index));
      this.#pending = this.#pending.slice(match.index + match[0].length);
    }
    if (this.#pending.length > MAX_EVENT_BYTES) throw new Error(`an event stream event exceeded ${MAX_EVENT_BYTES} bytes`);
    return events;
  }

  /** Whatever the stream ended with that was not a complete event (usually nothing). */
  rest(): string {
    return this.#pending + this.#decoder.decode();
  }
}

export interface SseEvent {
  /** Every line that is neither `data:` nor `id:` (event type, retry, comments), unchanged. */
  other: string[];
  id: string | undefined;
  /** The data lines joined with "\n", or undefined for an event without data (a keep-alive comment). */
  data: string | undefined;
}

function fieldValue(line: string, name: string): string {
  const value = line.slice(name.length + 1);
  return value.startsWith(" ") ? value.slice(1) : value;
}

export function parseEvent(block: string): SseEvent {
  const event: SseEvent = { other: [], id: undefined, data: undefined };
  const data: string[] = [];
  for (const line of block.split(/\r\n|\n|\r/)) {
    if (line.startsWith("data:") || line === "data") data.push(fieldValue(line, "data"));
    else if (line.startsWith("id:") || line === "id") event.id = fieldValue(line, "id");
    else event.other.push(line);
  }
  if (data.length) event.data = data.join("\n");
  return event;
}

/** Serialises an event, terminator included. `data` is written as one line (JSON has no raw newlines). */
export function formatEvent(event: SseEvent): string {
  const lines = [...event.other];
  if (event.id !== undefined) lines.push(`id: ${event.id}`);
  if (event.data !== undefined) lines.push(`data: ${event.data}`);
  return `${lines.join("\n")}\n\n`;
}

/** The JSON-RPC message(s) an event carries, or undefined when its data is not JSON. */
export function eventMessage(event: SseEvent): unknown {
  if (event.data === undefined) return undefined;
  try {
    return JSON.parse(event.data) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Every JSON-RPC message of a whole (buffered) SSE body, in order. Used for the answers of
 * fan-out calls, which end after their response.
 */
export function messagesOfEventStream(body: string): unknown[] {
  const splitter = new SseSplitter();
  const blocks = splitter.push(Buffer.from(`${body}\n\n`, "utf8"));
  return blocks.map((block) => eventMessage(parseEvent(block))).filter((message) => message !== undefined);
}
