#!/usr/bin/env node
// The runtime's CLI; this package only brings the default plugins along so they resolve.
import { main } from "@mcp-gateway/runtime/cli";

process.exitCode = await main(process.argv.slice(2));
