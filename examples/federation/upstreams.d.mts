export interface RunningUpstream {
  /** MCP endpoint URL, e.g. http://127.0.0.1:9201/mcp */
  url: string;
  /** Session ids this upstream issued, and those a DELETE (or close) ended. */
  sessions: { issued: string[]; ended: string[] };
}
export type UpstreamName = "math" | "kb";
export function startUpstreams(options?: { host?: string; ports?: Partial<Record<UpstreamName, number>> }): Promise<{
  upstreams: Record<UpstreamName, RunningUpstream>;
  close(): Promise<void>;
}>;
