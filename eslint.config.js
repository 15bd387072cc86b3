import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "bench/results/**", ".scratch-*/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", performance: "readonly", fetch: "readonly", AbortController: "readonly", AbortSignal: "readonly", Headers: "readonly", TextDecoder: "readonly", setInterval: "readonly", clearInterval: "readonly", setImmediate: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "no-console": ["error"],
    },
  },
  {
    // Rules that need the type checker: a promise nobody awaits or catches, or one handed to a
    // caller that expects a plain function (an async listener), fails silently on the request path.
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: {
        project: ["./packages/*/tsconfig.json", "./examples/in-house-auth/tsconfig.json", "./tsconfig.test.json"],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        // node:test collects describe/it itself; awaiting them is not how the runner is used.
        { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["describe", "it", "test", "suite", "before", "after", "beforeEach", "afterEach"] }] },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
    },
  },
  {
    // The status page's script runs in the browser too.
    files: ["packages/runtime/assets/**/*.js"],
    languageOptions: { globals: { document: "readonly" } },
  },
  {
    files: ["**/test/**", "scripts/**", "bench/**", "examples/**", "**/bin/**"],
    rules: { "no-console": "off" },
  },
);
