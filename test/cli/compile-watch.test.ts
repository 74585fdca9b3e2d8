/**
 * `weft compile --watch` keeps watching a file through both kinds of save: a write in place, and
 * the rename-style save of editors and `sed -i` (a copy renamed over the file), after which it
 * used to miss every later write.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { compileCommand } from "../../compiler/cli/compile-command.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const made: string[] = [];

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function source(nodeName: string): string {
  return [
    'import { dag } from "../../src/index.js";',
    `export const wf = dag<{ n: number }>("watched").node("${nodeName}", { n: "input.n" }, ({ n }) => n + 1).build();`,
    "",
  ].join("\n");
}

async function until(test: () => boolean, what: string, ms = 45_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

for (const root of ["folder", "file"] as const) {
  describe(`compile --watch of a ${root}`, () => {
    it("recompiles after a rename-style save and after later in-place writes (was: later writes missed)", async () => {
      // Inside the project, so the workflow resolves weft's sources like the examples do.
      const dir = path.join(ROOT, ".weft-tmp", `watch-${root}-${process.pid}`);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      made.push(dir);
      const file = path.join(dir, "wf.ts");
      writeFileSync(file, source("first"));
      let text = "";
      const out = new Writable({
        write(chunk, _enc, done) {
          text += String(chunk);
          done();
        },
      });
      const stop = new AbortController();
      const done = compileCommand(
        [root === "folder" ? dir : file],
        { out: path.join(dir, "out"), watch: true, root: ROOT, signal: stop.signal },
        { out, err: out },
      );
      await until(() => count(text, "watching for changes") === 1, "the first compile");
      const changes = (): number => count(text, "change detected");
      const settled = (n: number) => () =>
        changes() === n && count(text, "watching for changes") === n + 1;

      // 1. Rename-style save (what editors' atomic save and `sed -i` do).
      writeFileSync(`${file}.tmp`, source("second"));
      renameSync(`${file}.tmp`, file);
      await until(settled(1), "a recompile after the rename-style save");
      // 2. Then an in-place write: missed before the fix.
      writeFileSync(file, source("third"));
      await until(settled(2), "a recompile after the in-place write");
      // 3. And another rename-style save.
      writeFileSync(`${file}.tmp`, source("fourth"));
      renameSync(`${file}.tmp`, file);
      await until(settled(3), "a recompile after the second rename-style save");

      stop.abort();
      expect(await done).toBe(0);
      expect(text).toContain("compiled 1 workflow");
      expect(text).not.toContain("error");
    });
  });
}
