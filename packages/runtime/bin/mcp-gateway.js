#!/usr/bin/env node
// A plain JS entry so signals reach the gateway process itself (no npx/tsx wrapper in between).
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv.slice(2));
