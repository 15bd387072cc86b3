#!/usr/bin/env node
// The sectioned format's image ran its CLI as `node src/cli.js …` from the WORKDIR, and operators still type
// `docker compose exec mcp-gateway node src/cli.js health|routes|validate`. This keeps that path:
// it runs the runtime's CLI, resolved from the image's node_modules like any installed package.
import { main } from "@mcp-gateway/runtime/cli";

process.exitCode = await main(process.argv.slice(2));
