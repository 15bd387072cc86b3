import type { IncomingHttpHeaders } from "node:http";
import type { McpCall } from "../context.js";
import { GatewayError } from "../errors.js";

/** `Mcp-Param-{name}` (lower-case) → the chain of `properties` keys it mirrors. */
export type ParamHeaderMap = ReadonlyMap<string, readonly string[]>;

const MAX_TOOLS = 10_000;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Collects the `x-mcp-header` annotations of a tool's inputSchema, following only chains of
 * `properties` keys as the spec requires. Returns undefined when the tool declares none.
 */
export function paramHeadersOf(inputSchema: unknown): ParamHeaderMap | undefined {
  const found = new Map<string, string[]>();
  const walk = (schema: unknown, path: string[]) => {
    const properties = (schema as { properties?: Record<string, unknown> } | null)?.properties;
    if (typeof properties !== "object" || properties === null) return;
    for (const [key, property] of Object.entries(properties)) {
      const name = (property as { "x-mcp-header"?: unknown } | null)?.["x-mcp-header"];
      if (typeof name === "string" && TOKEN.test(name)) found.set(`mcp-param-${name.toLowerCase()}`, [...path, key]);
      walk(property, [...path, key]);
    }
  };
  walk(inputSchema, []);
  return found.size ? found : undefined;
}

/**
 * What the gateway learned from `tools/list` results passing through: which tools mirror which
 * arguments into `Mcp-Param-*` headers. Without it a gateway cannot check those headers; with
 * it, a header that disagrees with the body is refused before any plugin sees it.
 */
export class ParamHeaderIndex {
  private readonly tools = new Map<string, ParamHeaderMap>();

  learn(result: unknown): void {
    const tools = (result as { tools?: unknown } | null)?.tools;
    if (!Array.isArray(tools)) return;
    for (const tool of tools as { name?: unknown; inputSchema?: unknown }[]) {
      if (typeof tool?.name !== "string") continue;
      const map = paramHeadersOf(tool.inputSchema);
      if (map) {
        if (this.tools.size >= MAX_TOOLS && !this.tools.has(tool.name)) continue;
        this.tools.set(tool.name, map);
      } else {
        this.tools.delete(tool.name);
      }
    }
  }

  get(tool: string): ParamHeaderMap | undefined {
    return this.tools.get(tool);
  }
}

function valueAt(args: unknown, path: readonly string[]): unknown {
  let value = args;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function matches(header: string, value: unknown): boolean {
  if (typeof value === "number") return header.trim() !== "" && Number(header) === value;
  if (typeof value === "boolean") return header === String(value);
  return header === value;
}

/**
 * Checks the `Mcp-Param-*` headers of a tools/call against its arguments, for a tool whose
 * annotations are known: a value in the body needs its header, equal after decoding; a header
 * without a value in the body is a mismatch too.
 */
export function checkParamHeaders(
  headers: IncomingHttpHeaders,
  call: McpCall,
  map: ParamHeaderMap,
  decode: (name: string, value: string) => string,
): void {
  const args = (call.message.params as { arguments?: unknown } | undefined)?.arguments;
  for (const [name, path] of map) {
    const value = valueAt(args, path);
    const raw = headers[name];
    if (Array.isArray(raw)) throw GatewayError.from("MCPGW_ERR_HEADER_MISMATCH", `Header mismatch: ${name} header given more than once`);
    const present = value !== undefined && value !== null;
    if (!present && raw === undefined) continue;
    if (present && raw === undefined) throw GatewayError.from("MCPGW_ERR_HEADER_MISMATCH", `Header mismatch: ${name} header is required`);
    if (!present) throw GatewayError.from("MCPGW_ERR_HEADER_MISMATCH", `Header mismatch: ${name} header has no value in the body`);
    const decoded = decode(name, raw!);
    if (!matches(decoded, value)) {
      throw GatewayError.from("MCPGW_ERR_HEADER_MISMATCH", `Header mismatch: ${name} header value '${decoded}' does not match body value '${String(value)}'`);
    }
  }
}
