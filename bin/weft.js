#!/usr/bin/env node
// The `weft` command. An installed package runs the bundled CLI (dist/js, built by `npm run build`,
// which `prepare` runs on `npm ci` and `npm pack`). A checkout without dist/, or WEFT_SOURCE=1, runs
// the TypeScript sources through tsx, with "weftjs" resolved to the sources too.
import { existsSync } from "node:fs";
import { register } from "node:module";

const compiled = new URL("../dist/js/cli.js", import.meta.url);
if (!process.env.WEFT_SOURCE && existsSync(compiled)) {
  await import(compiled.href);
} else {
  // The "weftjs-source" export condition maps "weftjs" to src/*.ts (see package.json "exports").
  register(
    "data:text/javascript," +
      encodeURIComponent(
        "export function resolve(s, c, next) {" +
          " return next(s, { ...c, conditions: [...c.conditions, 'weftjs-source'] }); }",
      ),
  );
  const tsx = await import("tsx/esm/api");
  tsx.register();
  globalThis[Symbol.for("weftjs.tsx-registered")] = true;
  await import("../compiler/cli.ts");
}
