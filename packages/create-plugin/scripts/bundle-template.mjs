// prepack: copies examples/plugin-template into dist/template, the copy the published package
// scaffolds from (a checkout uses the example itself; see findTemplate in src/scaffold.ts).
import { cpSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const from = path.join(packageDir, "../../examples/plugin-template");
const to = path.join(packageDir, "dist/template");
const skipped = (name) => name === "node_modules" || name === "dist" || name.endsWith(".tsbuildinfo") || name.endsWith(".tgz");

rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true, filter: (source) => source === from || !skipped(path.basename(source)) });
// npm leaves .gitignore files out of tarballs; the scaffolder writes it back as .gitignore.
renameSync(path.join(to, ".gitignore"), path.join(to, "gitignore"));
