import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

// Tests import the package by its name ("weftjs", as the examples do) and get the TypeScript
// sources through the "weftjs-source" export condition, so no build is needed. Processes the tests
// spawn (examples under tsx, the `weft` command) inherit the condition through NODE_OPTIONS, and
// WEFT_SOURCE makes bin/weft.js run the CLI from source rather than a possibly stale dist/.
const CONDITION = "weftjs-source";
if (!process.env.NODE_OPTIONS?.includes(`--conditions=${CONDITION}`)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --conditions=${CONDITION}`.trim();
}
process.env.WEFT_SOURCE = "1";

export default defineConfig({
  // Vite's default conditions, after ours (setting them for SSR as well changes how dependencies
  // such as @opentelemetry/api are resolved, to builds Node cannot load).
  // The aliases make the sources win in every environment (the condition alone is not applied to
  // modules Vite loads for the server side, which would then read a possibly stale dist/).
  resolve: {
    conditions: [CONDITION, "module", "browser", "development|production"],
    alias: [
      { find: /^weftjs$/, replacement: `${root}src/index.ts` },
      { find: /^weftjs\/compiler$/, replacement: `${root}compiler/index.ts` },
      {
        find: /^weftjs\/(testing|distributed|serve|tasks|bus)$/,
        replacement: `${root}src/$1/index.ts`,
      },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
