/**
 * Server-sent events, parsed as the WHATWG HTML standard says a browser does (§9.2.6): lines end
 * in CRLF, LF or a bare CR, a leading byte-order mark is dropped, a blank line ends an event, a
 * field's value loses one leading space, `data` lines join with LF. Every part of the gateway that
 * reads an event stream (rewriting federated events as they pass, filtering a buffered answer,
 * reading a fan-out answer, merging streams) uses this one parser, so an upstream cannot frame an
 * event one way for the gateway and another way for the client.
 *
 * Events keep their other lines (event type, retry, comments) so a rewritten stream keeps its
 * keep-alive comments; `formatEvent` writes an event back with LF line ends.
 */

export interface SseEvent {
  /** Every line that is neither `data` nor `id` (event type, retry, comments), in order, as `field: value`. */
  other: string[];
  id: string | undefined;
  /** The data lines joined with LF, or undefined for an event without data (a keep-alive comment). */
  data: string | undefined;
}

/** An event grew past the parser's limit: the stream is broken or hostile. */
export class SseEventTooLarge extends Error {
  override readonly name = "SseEventTooLarge";
  constructor(readonly limit: number) {
    super(`an event stream event exceeded ${limit} bytes`);
  }
}

const BOM = "\uFEFF";

/**
 * Incremental parser: `push` each chunk as it arrives and get the events it completed. An event
 * is held until its blank line, up to `maxEventBytes` (counted in UTF-16 units, close enough to
 * bytes for a bound).
 */
export class SseParser {
  /** `ignoreBOM` keeps the mark in the text, so the parser drops exactly one, as the standard says. */
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  readonly #maxEventBytes: number;
  #buffer = "";
  #started = false;
  /** The last chunk ended in CR: an LF starting the next one belongs to that line end. */
  #pendingCr = false;
  #event: { other: string[]; id: string | undefined; data: string[] } = { other: [], id: undefined, data: [] };
  #held = 0;

  constructor(maxEventBytes: number) {
    this.#maxEventBytes = maxEventBytes;
  }

  /** The events completed by this chunk, in order. Throws SseEventTooLarge past the limit. */
  push(chunk: Uint8Array): SseEvent[] {
    return this.#consume(this.#decoder.decode(chunk, { stream: true }), false);
  }

  /**
   * The stream ended. A browser drops an event the stream ended in the middle of; a gateway that
   * filters an answer treats it as complete instead (`flushIncomplete`), so whatever a lenient
   * client would still read has been through the filter.
   */
  end(flushIncomplete: boolean): SseEvent[] {
    const events = this.#consume(this.#decoder.decode(), true);
    if (flushIncomplete && this.#hasContent()) events.push(this.#dispatch());
    return events;
  }

  #consume(text: string, final: boolean): SseEvent[] {
    let input = this.#buffer + text;
    if (!this.#started && input.length) {
      this.#started = true;
      if (input.startsWith(BOM)) input = input.slice(1);
    }
    const events: SseEvent[] = [];
    let start = 0;
    if (this.#pendingCr && input.startsWith("\n")) start = 1;
    this.#pendingCr = false;
    for (;;) {
      const cr = input.indexOf("\r", start);
      const lf = input.indexOf("\n", start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) break;
      const line = input.slice(start, end);
      if (input[end] === "\r") {
        if (end + 1 < input.length) start = input[end + 1] === "\n" ? end + 2 : end + 1;
        else {
          // A CR ending the chunk: an LF may start the next one.
          start = end + 1;
          this.#pendingCr = true;
        }
      } else start = end + 1;
      const event = this.#line(line);
      if (event) events.push(event);
    }
    this.#buffer = input.slice(start);
    if (final && this.#buffer) {
      const event = this.#line(this.#buffer);
      this.#buffer = "";
      if (event) events.push(event);
    }
    if (this.#held + this.#buffer.length > this.#maxEventBytes) throw new SseEventTooLarge(this.#maxEventBytes);
    return events;
  }

  #hasContent(): boolean {
    return this.#event.data.length > 0 || this.#event.other.length > 0 || this.#event.id !== undefined;
  }

  #dispatch(): SseEvent {
    const { other, id, data } = this.#event;
    this.#event = { other: [], id: undefined, data: [] };
    this.#held = 0;
    return { other, id, data: data.length ? data.join("\n") : undefined };
  }

  /** One line of the stream; returns the event a blank line completes. */
  #line(line: string): SseEvent | undefined {
    if (line === "") return this.#hasContent() ? this.#dispatch() : undefined;
    this.#held += line.length + 1;
    if (this.#held > this.#maxEventBytes) throw new SseEventTooLarge(this.#maxEventBytes);
    if (line.startsWith(":")) {
      this.#event.other.push(line);
      return undefined;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#event.data.push(value);
    // An id containing NULL is ignored, as a browser ignores it.
    else if (field === "id") {
      if (!value.includes("\0")) this.#event.id = value;
    } else this.#event.other.push(colon === -1 ? field : `${field}: ${value}`);
    return undefined;
  }
}

/** Serialises an event, terminator included, with LF line ends; multi-line data stays multi-line. */
export function formatEvent(event: SseEvent): string {
  let out = "";
  for (const line of event.other) out += `${line}\n`;
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  if (event.data !== undefined) for (const line of event.data.split("\n")) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** The JSON-RPC message(s) an event carries, or undefined when it has no data or its data is not JSON. */
export function eventMessage(event: SseEvent): unknown {
  if (event.data === undefined) return undefined;
  try {
    return JSON.parse(event.data) as unknown;
  } catch {
    return undefined;
  }
}

/** Every event of a whole (buffered) event-stream body, an unterminated last event included. */
export function eventsOf(body: Uint8Array | string, maxEventBytes: number): SseEvent[] {
  const parser = new SseParser(maxEventBytes);
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  return [...parser.push(bytes), ...parser.end(true)];
}
