export interface RunningUpstream {
  /** MCP endpoint URL, e.g. http://127.0.0.1:9101/mcp */
  url: string;
  /** Each call the upstream served, in order: `tools/call math.add`, `resources/read kb://…`, `initialize`. */
  served: string[];
}
export type UpstreamName = "mcp-math" | "mcp-kb" | "mcp-reports";
export function startUpstreams(options?: { host?: string; ports?: Partial<Record<UpstreamName, number>> }): Promise<{
  upstreams: Record<UpstreamName, RunningUpstream>;
  close(): Promise<void>;
}>;
