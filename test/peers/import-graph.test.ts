/**
 * What `import "weftjs"` loads: the module graph of src/index.ts, read from an esbuild metafile
 * (the bundler that builds dist/js). Slow-to-load built-ins and optional peers stay out of it; they
 * load where the feature that needs them starts.
 */
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

async function externalsOf(entry: string): Promise<Set<string>> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    packages: "external",
    metafile: true,
    logLevel: "silent",
  });
  const meta: Metafile = result.metafile;
  const out = new Set<string>();
  for (const input of Object.values(meta.inputs)) {
    for (const imp of input.imports)
      if (imp.external && imp.kind === "import-statement") out.add(imp.path);
  }
  return out;
}

const SLOW_BUILTINS = ["node:crypto", "node:v8", "node:worker_threads", "node:child_process"];
const OPTIONAL_PEERS = [
  "ts-morph",
  "tsx",
  "better-sqlite3",
  "piscina",
  "fast-check",
  "bullmq",
  "ioredis",
  "hono",
  "@hono/node-server",
  "prom-client",
  "@cfworker/json-schema",
  "listr2",
  "typescript",
];

describe('import "weftjs"', () => {
  it("imports no slow built-in and no optional peer statically", async () => {
    const externals = await externalsOf("src/index.ts");
    // The graph is real: the built-ins it does use are listed.
    expect(externals.has("node:fs")).toBe(true);
    expect(SLOW_BUILTINS.filter((m) => externals.has(m))).toEqual([]);
    expect(OPTIONAL_PEERS.filter((m) => externals.has(m))).toEqual([]);
  });

  it("sees a static import of a peer where there is one: weftjs/distributed imports bullmq", async () => {
    const externals = await externalsOf("src/distributed/index.ts");
    expect(externals.has("bullmq")).toBe(true);
  });
});
