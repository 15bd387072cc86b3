/**
 * Writes a new plugin package from the plugin template: the template's files with its package
 * and plugin names replaced by the new ones. Node built-ins only.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A mistake in how the command was called: printed with the usage, exit code 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface PluginNames {
  /** The plugin's name (`definePlugin({ name })`): lower-case letters, digits and `-`. */
  plugin: string;
  /** The npm package name: `mcp-gateway-plugin-<plugin>` or `@scope/mcp-gateway-plugin-<plugin>`. */
  packageName: string;
  /** The scope, with its `@`, when there is one. */
  scope: string | undefined;
}

const PACKAGE_PREFIX = "mcp-gateway-plugin-";
const PLUGIN_NAME = /^[a-z0-9][a-z0-9-]*$/;
const SCOPE = /^@[a-z0-9][a-z0-9._-]*$/;

/**
 * The names for a new plugin in `dir`. `name` defaults to the directory's name; either may carry
 * the `mcp-gateway-plugin-` prefix, and `name` may be scoped (`@acme/audit-s3`), as may `scope`
 * be given on its own (`@acme` or `acme`).
 */
export function pluginNames(dir: string, name?: string, scope?: string): PluginNames {
  let given = name ?? path.basename(path.resolve(dir));
  let chosenScope = scope === undefined ? undefined : scope.startsWith("@") ? scope : `@${scope}`;
  const scoped = /^(@[^/]+)\/(.+)$/.exec(given);
  if (scoped) {
    if (chosenScope !== undefined && chosenScope !== scoped[1]) throw new UsageError(`--name ${given} and --scope ${scope} name different scopes`);
    chosenScope = scoped[1];
    given = scoped[2]!;
  }
  const plugin = given.startsWith(PACKAGE_PREFIX) ? given.slice(PACKAGE_PREFIX.length) : given;
  if (!PLUGIN_NAME.test(plugin)) {
    const from = name === undefined ? `the directory name "${given}"` : `"${given}"`;
    throw new UsageError(`${from} cannot name a plugin: use lower-case letters, digits and "-" (pass --name to choose one)`);
  }
  if (chosenScope !== undefined && !SCOPE.test(chosenScope)) throw new UsageError(`"${chosenScope}" is not an npm scope`);
  return { plugin, packageName: `${chosenScope ? `${chosenScope}/` : ""}${PACKAGE_PREFIX}${plugin}`, scope: chosenScope };
}

/** What the template calls itself, read from its package.json. */
export interface TemplateNames {
  packageName: string;
  plugin: string;
}

export function templateNames(templateDir: string): TemplateNames {
  const { name } = JSON.parse(readFileSync(path.join(templateDir, "package.json"), "utf8")) as { name: string };
  if (!name.startsWith(PACKAGE_PREFIX)) throw new Error(`the template's package name ${name} does not start with ${PACKAGE_PREFIX}`);
  return { packageName: name, plugin: name.slice(PACKAGE_PREFIX.length) };
}

/** Notes about the template itself, which a new plugin's files do not keep. */
const TEMPLATE_ONLY = /<!-- template-only -->[\s\S]*?<!-- \/template-only -->\n*/g;

/** A text file of the template, for the new plugin: names replaced, template notes removed. */
export function renderText(content: string, from: TemplateNames, to: PluginNames): string {
  // One pass, the package name first (it contains the plugin name), so a new name that contains
  // the template's is not replaced again.
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const names = new RegExp(`${escape(from.packageName)}|${escape(from.plugin)}`, "g");
  return content.replace(TEMPLATE_ONLY, "").replace(names, (found) => (found === from.packageName ? to.packageName : to.plugin));
}

/** The template's package.json, for the new plugin. */
export function renderManifest(content: string, from: TemplateNames, to: PluginNames): string {
  const manifest = JSON.parse(renderText(content, from, to)) as Record<string, unknown>;
  // The template is private so this repository's release tooling leaves it alone; a new plugin
  // is meant to be published. A scoped package is private on npm unless it says otherwise.
  delete manifest.private;
  manifest.version = "0.1.0";
  if (to.scope) manifest.publishConfig = { ...(manifest.publishConfig as object | undefined), access: "public" };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Build output, installs and packs are never part of the template. */
const SKIPPED = new Set(["node_modules", "dist"]);
const skipped = (name: string) => SKIPPED.has(name) || name.endsWith(".tsbuildinfo") || name.endsWith(".tgz");

/** The template's files, relative, sorted. */
export function templateFiles(templateDir: string, relative = ""): string[] {
  return readdirSync(path.join(templateDir, relative), { withFileTypes: true })
    .filter((entry) => !skipped(entry.name))
    .flatMap((entry) => {
      const file = path.join(relative, entry.name);
      return entry.isDirectory() ? templateFiles(templateDir, file) : [file];
    })
    .sort();
}

/**
 * npm leaves `.gitignore` files out of tarballs, so the published template carries it as
 * `gitignore`; either way the new plugin gets a `.gitignore`.
 */
const targetName = (file: string) => (path.basename(file) === "gitignore" ? path.join(path.dirname(file), ".gitignore") : file);

export interface ScaffoldOptions {
  /** Where to write the plugin: a directory that does not exist yet, or an empty one. */
  dir: string;
  /** The plugin's name; defaults to the directory's name. */
  name?: string;
  /** An npm scope for the package name. */
  scope?: string;
  /** The template to copy; defaults to {@link findTemplate}. */
  templateDir?: string;
}

export interface ScaffoldResult {
  names: PluginNames;
  /** Absolute path of the new package. */
  dir: string;
  /** The files written, relative to `dir`. */
  files: string[];
}

export function scaffold(options: ScaffoldOptions): ScaffoldResult {
  const dir = path.resolve(options.dir);
  const names = pluginNames(dir, options.name, options.scope);
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    throw new UsageError(`${options.dir} already exists and is not an empty directory`);
  }
  const templateDir = options.templateDir ?? findTemplate();
  const from = templateNames(templateDir);
  const files: string[] = [];
  for (const file of templateFiles(templateDir)) {
    const content = readFileSync(path.join(templateDir, file), "utf8");
    const rendered = file === "package.json" ? renderManifest(content, from, names) : renderText(content, from, names);
    const target = targetName(file);
    mkdirSync(path.dirname(path.join(dir, target)), { recursive: true });
    writeFileSync(path.join(dir, target), rendered);
    files.push(target);
  }
  return { names, dir, files: files.sort() };
}

/**
 * The template to copy: in a checkout of the mcp-gateway repository, examples/plugin-template
 * itself (always current); in the published package, the copy its prepack put in dist/template.
 */
export function findTemplate(): string {
  const packageDir = fileURLToPath(new URL("..", import.meta.url));
  const candidates = [path.join(packageDir, "../../examples/plugin-template"), path.join(packageDir, "dist/template")];
  const found = candidates.find((dir) => existsSync(path.join(dir, "package.json")));
  if (!found) throw new Error(`the plugin template is missing (looked in ${candidates.join(" and ")})`);
  return found;
}
