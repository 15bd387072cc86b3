#!/usr/bin/env node
// `npm create @mcp-gateway/plugin <dir>` runs this bin (npm maps it to @mcp-gateway/create-plugin).
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv.slice(2));
