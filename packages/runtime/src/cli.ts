/** The `mcp-gateway` command line (bin/mcp-gateway.js runs `main`); commands live in cli/. */
export { main } from "./cli/main.js";
export type { Io } from "./cli/output.js";
