/**
 * The MCP messages the benchmark sends and the answers the upstream fixture gives, in one place:
 * the upstream builds its answers with these functions and the load generator checks every
 * response against the same functions, byte for byte where the gateway forwards bytes.
 */

export const PROTOCOL_VERSION = "2025-06-18";
export const SESSION_ID = "bench-session";

/** What every POST of the bench carries. */
export const MCP_POST_HEADERS = Object.freeze({ "content-type": "application/json", accept: "application/json, text/event-stream" });

/** Twenty tools, named so that glob policies keep some and drop others. */
export const TOOL_NAMES = Object.freeze([
  "echo",
  "large",
  "stream",
  "search.web",
  "search.docs",
  "search.code",
  "search.issues",
  "files.read",
  "files.readMany",
  "files.write",
  "files.delete",
  "files.move",
  "db.query",
  "db.migrate",
  "db.drop",
  "admin.users",
  "admin.keys",
  "admin.audit",
  "mail.send",
  "mail.read",
]);

/** The tools gateway-full's policy lets the bench client call (globs, as an operator writes them). */
export const ALLOWED_TOOL_GLOBS = Object.freeze(["echo", "large", "stream", "search.*", "files.read*", "db.query", "mail.*"]);

function globToRegExp(glob: string): RegExp {
  const source = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${source}$`);
}

const allowed = ALLOWED_TOOL_GLOBS.map(globToRegExp);
/** What tools/list shows through gateway-full's policy filter. */
export const ALLOWED_TOOL_NAMES = Object.freeze(TOOL_NAMES.filter((name) => allowed.some((pattern) => pattern.test(name))));

/**
 * The twenty tool names, each under `prefix` when one is given (`one.echo`, `one.search.web`, …):
 * a fan-out upstream lists its own set, so three of them never collide in a merged list.
 */
export function toolNames(prefix?: string): readonly string[] {
  return prefix ? TOOL_NAMES.map((name) => `${prefix}.${name}`) : TOOL_NAMES;
}

/** The tools an upstream lists (see toolNames for `prefix`). */
export function toolsOf(prefix?: string) {
  return Object.freeze(
    toolNames(prefix).map((name) => ({
      name,
      description: `Benchmark tool ${name}: answers with the message it is given.`,
      inputSchema: { type: "object", properties: { message: { type: "string", description: "Text to answer with" } }, required: ["message"] },
    })),
  );
}

const TOOLS = toolsOf();

/** ~120 characters, so a tools/call request and its answer are each ~200 bytes. */
export const ECHO_MESSAGE = "The quick brown fox jumps over the lazy dog; benchmark payload for an MCP tools/call round trip through the gateway.";

export function request(id: number, method: string, params: Record<string, unknown> = {}): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method, params });
}

export function callRequest(id: number, tool: string, message = ECHO_MESSAGE): string {
  return request(id, "tools/call", { name: tool, arguments: { message } });
}

export function initializeRequest(id: number): string {
  return request(id, "initialize", { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "bench", version: "1.0.0" } });
}

export function result(id: unknown, value: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", id, result: value });
}

export function echoAnswer(id: unknown, message: string): string {
  return result(id, { content: [{ type: "text", text: message }], isError: false });
}

export function initializeAnswer(id: unknown): string {
  return result(id, {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: { tools: { listChanged: false } },
    serverInfo: { name: "bench-upstream", version: "1.0.0" },
  });
}

export function toolsListAnswer(id: unknown, tools: readonly unknown[] = TOOLS): string {
  return result(id, { tools });
}

export const LARGE_BYTES = 1024 * 1024;

const largeHead = (id: unknown) => `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"`;
const LARGE_TAIL = `"}],"isError":false}}`;

/** The text of a 1 MiB tools/call answer to `id`: printable ASCII that needs no JSON escaping. */
export function largeText(id: unknown = 1): string {
  const pattern = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
  const fill = LARGE_BYTES - largeHead(id).length - LARGE_TAIL.length;
  return pattern.repeat(Math.ceil(fill / pattern.length)).slice(0, fill);
}

/** A 1 MiB tools/call answer. */
export function largeAnswer(id: unknown): string {
  return largeHead(id) + largeText(id) + LARGE_TAIL;
}

/** A tools/call answered as an event stream: one progress notification, then the result. */
export function streamAnswer(id: unknown, message: string): string {
  const progress = JSON.stringify({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: String(id), progress: 1, total: 2 } });
  return `event: message\ndata: ${progress}\n\nevent: message\ndata: ${echoAnswer(id, message)}\n\n`;
}

/** Checks a tools/list body: exactly these tool names, in this order. */
export function toolsListVerifier(expected: readonly string[]): (body: string) => boolean {
  const want = expected.join("\n");
  return (body) => {
    try {
      const parsed = JSON.parse(body) as { result?: { tools?: { name?: unknown }[] } };
      const tools = parsed.result?.tools;
      return Array.isArray(tools) && tools.map((tool) => tool.name).join("\n") === want;
    } catch {
      return false;
    }
  };
}

/**
 * Checks a merged tools/list body: exactly these tool names, each once, in any order. Federation
 * promises which names a merged list holds, not their order; a list that left an upstream out
 * (a partial answer) or a JSON-RPC error fails the check.
 */
export function mergedToolsListVerifier(expected: readonly string[]): (body: string) => boolean {
  const want = new Set(expected);
  return (body) => {
    try {
      const parsed = JSON.parse(body) as { result?: { tools?: { name?: unknown }[] } };
      const tools = parsed.result?.tools;
      if (!Array.isArray(tools) || tools.length !== want.size) return false;
      const seen = new Set<unknown>();
      for (const tool of tools) {
        if (!want.has(tool.name as string) || seen.has(tool.name)) return false;
        seen.add(tool.name);
      }
      return true;
    } catch {
      return false;
    }
  };
}

/**
 * A request body split around its id: a load that numbers its requests sends `before + n + after`
 * (a target whose requests share one session needs distinct ids).
 */
export function aroundId(body: string): { before: string; after: string } {
  const placeholder = -918_273_645;
  const parts = JSON.stringify({ ...(JSON.parse(body) as object), id: placeholder }).split(String(placeholder));
  if (parts.length !== 2) throw new Error(`cannot number the requests of ${body.slice(0, 80)}`);
  return { before: parts[0]!, after: parts[1]! };
}

/** The JSON-RPC messages of a response body, sent as JSON or as an event stream (`data:` lines). */
export function messagesOf(body: string): unknown[] {
  if (body.trimStart().startsWith("{")) return [JSON.parse(body)];
  return body
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => JSON.parse(line.slice(5)) as unknown);
}

/**
 * Checks a tools/call answer by meaning: one result holding exactly this text and no error,
 * whatever its id, key order or framing. For the peers, whose SDKs serialise the answer
 * their own way (bench/stdio-upstream.ts), and which answer as an event stream.
 */
export function toolTextVerifier(text: string): (body: string) => boolean {
  return (body) => {
    try {
      const messages = messagesOf(body) as { result?: { content?: unknown; isError?: unknown }; error?: unknown }[];
      if (messages.length !== 1 || messages[0]!.error !== undefined) return false;
      const { content, isError } = messages[0]!.result ?? {};
      if (isError === true || !Array.isArray(content) || content.length !== 1) return false;
      const [part] = content as { type?: unknown; text?: unknown }[];
      return part!.type === "text" && part!.text === text;
    } catch {
      return false;
    }
  };
}

/** Comment lines of the upstream's GET streams: one when the stream opens, then one per keepalive tick. */
export const STREAM_OPEN_COMMENT = ": open\n\n";
export const STREAM_KEEPALIVE_COMMENT = ": keepalive\n\n";
