export interface DemoUpstream {
  /** MCP endpoint URL, e.g. http://127.0.0.1:9000/mcp */
  url: string;
  close(): Promise<void>;
}
export function startDemoUpstream(options?: { port?: number; host?: string }): Promise<DemoUpstream>;
