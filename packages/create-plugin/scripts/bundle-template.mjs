// prepack: copies examples/plugin-template into dist/template, the copy the published package
// scaffolds from (a checkout uses the example itself; see findTemplate in src/scaffold.ts).
// Only files whose content changed are written (each through a temporary file and a rename) and
// files the template no longer has are removed, so two packs running at once — the packaging
// tests do that — never see the directory half written.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const from = path.join(packageDir, "../../examples/plugin-template");
const to = path.join(packageDir, "dist/template");
const skipped = (name) => name === "node_modules" || name === "dist" || name.endsWith(".tsbuildinfo") || name.endsWith(".tgz");
// npm leaves .gitignore files out of tarballs; the scaffolder writes it back as .gitignore.
const bundledName = (file) => (path.basename(file) === ".gitignore" ? path.join(path.dirname(file), "gitignore") : file);

/** Relative paths of the files under `root`, skipping what `skip` names. */
function files(root, skip = () => false, relative = "") {
  if (!existsSync(path.join(root, relative))) return [];
  return readdirSync(path.join(root, relative), { withFileTypes: true })
    .filter((entry) => !skip(entry.name))
    .flatMap((entry) => (entry.isDirectory() ? files(root, skip, path.join(relative, entry.name)) : [path.join(relative, entry.name)]));
}

const wanted = new Map(files(from, skipped).map((file) => [bundledName(file), file]));
for (const [target, source] of wanted) {
  const content = readFileSync(path.join(from, source));
  const destination = path.join(to, target);
  if (existsSync(destination) && readFileSync(destination).equals(content)) continue;
  mkdirSync(path.dirname(destination), { recursive: true });
  const temporary = `${destination}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, destination);
}
for (const stale of files(to).filter((file) => !wanted.has(file) && !file.endsWith(".tmp"))) rmSync(path.join(to, stale), { force: true });
