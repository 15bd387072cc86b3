import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const DIST = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist");

/** Every package a built module loads at run time, following its relative imports (types are erased in dist). */
function packagesLoadedBy(file: string, seen = new Set<string>(), packages = new Set<string>()): Set<string> {
  if (seen.has(file)) return packages;
  seen.add(file);
  const source = readFileSync(file, "utf8");
  for (const [, specifier] of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) {
    if (specifier!.startsWith(".")) packagesLoadedBy(path.resolve(path.dirname(file), specifier!), seen, packages);
    else packages.add(specifier!.startsWith("@") ? specifier!.split("/").slice(0, 2).join("/") : specifier!.split("/")[0]!);
  }
  return packages;
}

describe("@mcp-gateway/runtime/plugin", () => {
  it("loads none of the server stack", () => {
    const loaded = packagesLoadedBy(path.join(DIST, "plugin-entry.js"));
    for (const heavy of ["fastify", "undici", "pino", "tapable", "cosmiconfig", "semver", "yaml"]) {
      assert.ok(!loaded.has(heavy), `the plugin entry loads ${heavy} (it loads ${[...loaded].join(", ")})`);
    }
  });

  it("offers what the default plugins import", async () => {
    const entry = await import("@mcp-gateway/runtime/plugin");
    for (const name of ["definePlugin", "GatewayError", "compileGlobs", "globSchema", "globError", "z", "ANONYMOUS", "lineWriter", "REDACTED", "methodSpec", "LISTS", "describeMessage", "STAGES"]) {
      assert.ok(name in entry, `${name} is exported`);
    }
  });
});

describe("@mcp-gateway/runtime/testing", () => {
  it("loads none of the server stack until a test starts a gateway", () => {
    const loaded = packagesLoadedBy(path.join(DIST, "testing", "index.js"));
    for (const heavy of ["fastify", "undici", "pino", "tapable", "cosmiconfig", "yaml"]) {
      assert.ok(!loaded.has(heavy), `the testing entry loads ${heavy} (it loads ${[...loaded].join(", ")})`);
    }
  });
});
