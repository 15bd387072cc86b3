/** The environment audit records name: MCP_GATEWAY_ENV, then NODE_ENV, then "development" (the sectioned format's order). */
export function resolveEnvironment(env: Readonly<Record<string, string | undefined>>): string {
  return env.MCP_GATEWAY_ENV || env.NODE_ENV || "development";
}

/** True when `environment` is listed, or the list holds "*". Names compare exactly. */
export function auditsEnvironment(environments: readonly string[], environment: string): boolean {
  return environments.includes("*") || environments.includes(environment);
}
