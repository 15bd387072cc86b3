// Writes docs/config.md from the zod schemas: the runtime's configSchema and every default
// plugin's options. The schemas are the truth; this page only renders them, and `--check` fails
// CI when the page is stale or an option has no `.describe()`.
// Usage: node --import tsx scripts/gen-config-docs.ts [--check] [--out FILE]
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { configSchema, SEARCH_PLACES, STAGES, z, type GatewayPlugin } from "@mcp-gateway/runtime";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CONFIG_DOC = path.join(root, "docs", "config.md");
const REGENERATE = "node --import tsx scripts/gen-config-docs.ts";

/** The JSON Schema subset zod's `toJSONSchema` emits for our schemas. */
interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
}

export interface OptionRow {
  /** `server.port`, `upstreams[].auth.token`, `byMethod.<key>.rpm`. */
  path: string;
  type: string;
  /** A default in backticks, `required`, or `—` (optional, no default). */
  default: string;
  description: string;
}

export interface OptionTable {
  description: string | undefined;
  rows: OptionRow[];
  /** Paths of fields without a `.describe()`. */
  undocumented: string[];
}

/** zod's own introspection: input types (what a user writes), defaults and descriptions. */
function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
}

const variants = (schema: JsonSchema): JsonSchema[] => schema.anyOf ?? schema.oneOf ?? [schema];

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).map(([key, item]) => `${key}: ${formatValue(item)}`);
    return entries.length ? `{ ${entries.join(", ")} }` : "{}";
  }
  return JSON.stringify(value);
}

function numberType(schema: JsonSchema): string {
  const base = schema.type === "integer" ? "integer" : "number";
  const min = schema.minimum !== undefined && schema.minimum > Number.MIN_SAFE_INTEGER ? schema.minimum : undefined;
  const max = schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
  if (min !== undefined && max !== undefined) return `${base} ${min}–${max}`;
  if (schema.exclusiveMinimum !== undefined) return `${base} > ${schema.exclusiveMinimum}`;
  if (min !== undefined) return `${base} ≥ ${min}`;
  return base;
}

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(" | ");
  if (schema.anyOf || schema.oneOf) return [...new Set(variants(schema).map(typeOf))].join(" | ");
  switch (schema.type) {
    case "string":
      return schema.format === "uri" ? "URL" : "string";
    case "integer":
    case "number":
      return numberType(schema);
    case "boolean":
      return "boolean";
    case "array": {
      if (schema.prefixItems) return `[${schema.prefixItems.map(typeOf).join(", ")}]`;
      const item = schema.items ? typeOf(schema.items) : "any";
      const list = `${item.includes(" ") ? `(${item})` : item}[]`;
      return schema.minItems ? `${list} (at least ${schema.minItems})` : list;
    }
    case "object": {
      const values = schema.additionalProperties;
      if (!schema.properties && typeof values === "object" && Object.keys(values).length) return `{ [key]: ${typeOf(values)} }`;
      return "object";
    }
    default:
      return "any";
  }
}

function addRow(rows: OptionRow[], row: OptionRow): void {
  // A key in several variants of a union (the `type` of a discriminated union) is one row.
  const seen = rows.find((other) => other.path === row.path);
  if (!seen) {
    rows.push(row);
    return;
  }
  const merge = (a: string, b: string, separator: string) => [...new Set([...a.split(separator), ...b.split(separator)].filter(Boolean))].join(separator);
  seen.type = merge(seen.type, row.type, " | ");
  seen.description = merge(seen.description, row.description, "; ");
}

/** Rows for the fields nested in `schema`: object properties, array items, map values, union variants. */
function walkChildren(schema: JsonSchema, at: string, table: OptionTable): void {
  for (const variant of variants(schema)) {
    if (variant.properties) walkProperties(variant, at, table);
    else if (variant.type === "array" && variant.items) walkChildren(variant.items, `${at}[]`, table);
    else if (variant.type === "object" && typeof variant.additionalProperties === "object") {
      walkChildren(variant.additionalProperties, `${at}.<key>`, table);
    }
  }
}

function walkProperties(schema: JsonSchema, at: string, table: OptionTable): void {
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const where = at ? `${at}.${key}` : key;
    const required = schema.required?.includes(key) ?? false;
    addRow(table.rows, {
      path: where,
      type: typeOf(property),
      default: "default" in property ? `\`${formatValue(property.default)}\`` : required ? "required" : "—",
      description: property.description ?? "",
    });
    if (!property.description && !table.undocumented.includes(where)) table.undocumented.push(where);
    walkChildren(property, where, table);
  }
}

/** Every field of an object schema, depth first, in declaration order. */
export function describeOptions(schema: z.ZodType, at = ""): OptionTable {
  const json = jsonSchemaOf(schema);
  const table: OptionTable = { description: json.description, rows: [], undocumented: [] };
  walkProperties(json, at, table);
  return table;
}

/** The sectioned format's feature sections and the default plugin each becomes (runtime: config/sectioned.ts). */
const SECTIONED_SECTIONS: Record<string, { section: string; note: string }> = {
  "auth-apikey": {
    section: "auth",
    note: "The sectioned format's `auth` section also takes `mode`: `none` leaves authentication off (every caller is the anonymous subject); any other value (the sectioned format writes `apiKey`) loads this plugin with the other keys of `auth` as its options.",
  },
  policy: { section: "policy", note: "" },
  ratelimit: {
    section: "rateLimit",
    note: "`REDIS_URL` moves the buckets to Redis and `RATE_LIMIT_KEY_PREFIX` overrides `keyPrefix`; see [operations](operations.md#redis-and-several-instances).",
  },
  router: {
    section: "routing",
    note: "The sectioned format's `routing` section is the list of rules itself: `routing[0].upstream` here is `rules[0].upstream`.",
  },
  audit: {
    section: "audit",
    note: "In the sectioned format audit runs even without an `audit` section; only `audit.enabled: false` turns it off. Record fields: [audit.md](audit.md).",
  },
};

export interface PluginDoc {
  name: string;
  packageName: string;
  dir: string;
  options: z.ZodType | undefined;
}

/** The default plugins in the sectioned format's order: every `packages/plugin-*` package's default export. */
export async function loadDefaultPlugins(): Promise<PluginDoc[]> {
  const dirs = readdirSync(path.join(root, "packages")).filter((dir) => dir.startsWith("plugin-"));
  const plugins: PluginDoc[] = [];
  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(path.join(root, "packages", dir, "package.json"), "utf8")) as { name: string };
    const mod = (await import(pathToFileURL(path.join(root, "packages", dir, "src", "index.ts")).href)) as { default: GatewayPlugin };
    plugins.push({ name: mod.default.name, packageName: pkg.name, dir, options: mod.default.options });
  }
  const order = Object.keys(SECTIONED_SECTIONS);
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  return plugins.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/** Table cells: `|` would end the cell, `<x>` would vanish as HTML, `*` could start emphasis. */
const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("<", "&lt;").replaceAll("*", "\\*");
const codeCell = (text: string) => text.replaceAll("|", "\\|");

function renderTable(rows: readonly OptionRow[]): string {
  const lines = ["| Option | Type | Default | Description |", "|---|---|---|---|"];
  for (const row of rows) lines.push(`| \`${row.path}\` | \`${codeCell(row.type)}\` | ${codeCell(row.default)} | ${cell(row.description)} |`);
  return lines.join("\n");
}

const INTRO = (): string => `<!-- Generated by scripts/gen-config-docs.ts from the zod schemas. Do not edit by hand: change the
     schema's .describe() text and run \`${REGENERATE}\`. -->

# Configuration

One file configures the gateway. At startup it is validated against zod schemas: the runtime's own
(\`server\`, \`upstreams\`, \`upstreamHeaders\`, \`logging\`, \`plugins\`) and each plugin's options
schema. Unknown keys are errors, and every error names the file and the path inside it
(\`upstreams[0].timeout: unknown key\`, \`plugins[2].options.apiKeys[0].keyHash: …\`).
\`mcp-gateway validate -c FILE\` runs the same checks and prints \`OK\` without starting anything.
Every table below is generated from those schemas, so it lists every option with its default.

## Where the config is found

\`mcp-gateway start -c FILE\` reads that file. Without \`-c\`, the gateway looks in the working
directory only (never in parent directories: a gateway's config is security-relevant) and takes
the first of:

${SEARCH_PLACES.map((place) => `- \`${place}\`${place === "package.json" ? " (its `mcp-gateway` key)" : ""}`).join("\n")}

\`.mcp-gatewayrc\` without an extension is read as YAML (which includes JSON). JavaScript files
default-export the config object; \`mcp-gateway.config.ts\` needs the \`typescript\` package
installed. The gateway logs the file it loaded (\`"msg":"config loaded"\` with its \`config\` path).

## Two forms: one section per feature, or a plugins list

**Sectioned format** (the config of the original \`@isanjosgon/mcp-gateway\`). A config without
\`plugins\` but with any of the feature sections — \`auth\`, \`policy\`, \`rateLimit\`, \`routing\`,
\`audit\` — runs on the five default plugins in this order: auth-apikey, policy, ratelimit, router,
audit. Each section becomes that plugin's options unchanged, so a sectioned \`config.yml\` runs as it is
([examples/sectioned-config](../examples/sectioned-config/config.yml)) and errors point at \`auth.apiKeys[0]\`.
The tables under [Plugins](#plugins) say which section feeds which plugin.

**Plugins form.** A \`plugins\` list names every stage explicitly, in order
([examples/plugins-config](../examples/plugins-config/config.yml)). An entry is a name, a
\`[name, options]\` pair, or \`{ name, options, stage }\`:

\`\`\`yaml
plugins:
  - [auth-apikey, { apiKeys: [{ id: ci, key: "\${CI_API_KEY}", tenant: acme, client: ci }] }]
  - name: policy
    options: { default: deny, rules: [{ subject: { tenant: acme }, allow: { methods: ["*"], tools: ["*"] } }] }
  - ratelimit
  - { name: ./plugins/team-token.mjs, options: { tokens: [{ token: "\${TEAM_TOKEN}", tenant: acme, client: ci-bot }] } }
  - audit
\`\`\`

Names resolve from the config file's directory, then from the runtime's own install:
\`foo\` tries \`@mcp-gateway/plugin-foo\`, \`mcp-gateway-plugin-foo\`, \`foo\`; \`@scope/foo\` tries
\`@scope/mcp-gateway-plugin-foo\`, \`@scope/foo\`; a name starting with \`.\` or \`/\` is a file. \`stage\`
moves every tap of the plugin to a band (${Object.keys(STAGES)
  .map((name) => `\`${name}\``)
  .join(", ")}) or a number; see [hooks](hooks.md#ordering).

Sections and \`plugins\` cannot be combined (a config error names the section). A config with
neither is a plain proxy: no plugins, every caller is the anonymous subject, every request goes to
the first upstream.

## \`\${ENV}\` placeholders

Every string in the file may contain \`\${NAME}\` (\`NAME\` matching \`[A-Za-z_][A-Za-z0-9_]*\`),
replaced with that environment variable when the config is loaded, before validation — in any
section, plugin options included. A variable that is unset or empty stops startup with
\`MCPGW_ERR_CONFIG_INVALID\` naming the path and the variable: a secret never silently becomes
\`""\`. Placeholders produce strings, so they cannot fill numeric or boolean options. Environment
variables the gateway reads directly (\`REDIS_URL\`, \`RATE_LIMIT_KEY_PREFIX\`, \`MCP_GATEWAY_ENV\`,
\`NODE_ENV\`) are described in [operations](operations.md).

## Reading the tables

\`[]\` stands for every element of a list, \`<key>\` for any key of a map. *Default* is the value
used when the option is left out; \`required\` means it must be given; — means optional with no
default.`;

export interface ConfigDocs {
  markdown: string;
  /** `where: path` of every field without a description. */
  undocumented: string[];
}

function coreSections(): { markdown: string[]; undocumented: string[] } {
  const core = describeOptions(configSchema);
  const json = jsonSchemaOf(configSchema);
  const sectionedSections = new Set(Object.values(SECTIONED_SECTIONS).map((sectioned) => sectioned.section));
  const markdown: string[] = [];
  for (const [key, property] of Object.entries(json.properties ?? {})) {
    if (sectionedSections.has(key)) continue;
    const isList = property.type === "array";
    const rows = core.rows.filter((row) => (isList ? row.path === key : false) || row.path.startsWith(`${key}.`) || row.path.startsWith(`${key}[]`));
    // A list's own row carries its description; an object section gets it as the intro line.
    const intro = isList || !property.description ? "" : `${property.description}.\n\n`;
    markdown.push(`### \`${key}${isList ? "[]" : ""}\`\n\n${intro}${renderTable(rows)}`);
  }
  return { markdown, undocumented: core.undocumented.map((where) => `configSchema (packages/runtime/src/config/schema.ts): ${where}`) };
}

function pluginSection(plugin: PluginDoc): { markdown: string; undocumented: string[] } {
  const source = `plugin ${plugin.name} (packages/${plugin.dir}/src/options.ts)`;
  const sectioned = SECTIONED_SECTIONS[plugin.name];
  const heading = `### ${plugin.name}`;
  const where = sectioned
    ? `Package \`${plugin.packageName}\` ([README](../packages/${plugin.dir}/README.md)). Section: \`${sectioned.section}\`; in the plugins form, the entry's \`options\`.`
    : `Package \`${plugin.packageName}\` ([README](../packages/${plugin.dir}/README.md)). No section: list it under \`plugins\`.`;
  if (!plugin.options) return { markdown: `${heading}\n\n${where}\n\nThis plugin takes no options.`, undocumented: [] };
  const table = describeOptions(plugin.options);
  const undocumented = table.undocumented.map((path) => `${source}: ${path}`);
  if (!table.description) undocumented.unshift(`${source}: (the options schema itself)`);
  const parts = [heading, table.description ? `${table.description}.` : "", where, sectioned?.note ?? "", renderTable(table.rows)];
  return { markdown: parts.filter(Boolean).join("\n\n"), undocumented };
}

export async function renderConfigDocs(): Promise<ConfigDocs> {
  const core = coreSections();
  const plugins = (await loadDefaultPlugins()).map(pluginSection);
  const markdown = [
    INTRO(),
    "## Core options",
    ...core.markdown,
    "## Plugins\n\nOptions of the default plugins. Paths are relative to the plugin's options: in the sectioned format prefix the section (`auth.apiKeys[0].tenant`), in the plugins form the entry (`plugins[0].options.apiKeys[0].tenant`).",
    ...plugins.map((plugin) => plugin.markdown),
  ].join("\n\n");
  return { markdown: `${markdown}\n`, undocumented: [...core.undocumented, ...plugins.flatMap((plugin) => plugin.undocumented)] };
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { check: { type: "boolean" }, out: { type: "string" } } });
  const file = values.out ? path.resolve(values.out) : CONFIG_DOC;
  const docs = await renderConfigDocs();
  if (docs.undocumented.length) {
    console.error(`gen-config-docs: these options have no .describe() text:\n${docs.undocumented.map((where) => `  ${where}`).join("\n")}`);
    return 1;
  }
  if (values.check) {
    let current = "";
    try {
      current = readFileSync(file, "utf8");
    } catch {
      // A missing page is as stale as an outdated one.
    }
    if (current !== docs.markdown) {
      console.error(`gen-config-docs: ${path.relative(root, file)} is out of date with the schemas; run \`${REGENERATE}\``);
      return 1;
    }
    return 0;
  }
  writeFileSync(file, docs.markdown);
  console.log(`gen-config-docs: wrote ${path.relative(root, file)}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
