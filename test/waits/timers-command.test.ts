import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../compiler/cli/program.js";
import { sqliteStore } from "../../src/index.js";
import { quick } from "./fixtures/flows.js";

const dir = mkdtempSync(join(tmpdir(), "weft-timers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink(): PassThrough & { text: string } {
  const s = Object.assign(new PassThrough(), { text: "" });
  s.on("data", (d: Buffer) => (s.text += d.toString()));
  return s;
}

async function cli(...args: string[]) {
  const out = sink();
  const err = sink();
  const code = await runCli(["node", "weft", ...args], { out, err });
  return { code, out: out.text, err: err.text };
}

describe("weft timers", () => {
  it("fires the due deadlines of the store's waiting runs, once", async () => {
    const db = join(dir, "runs.sqlite");
    vi.useFakeTimers({ toFake: ["Date"], now: 1_000_000 });
    try {
      const store = sqliteStore(db);
      await quick.run({ doc: "d" }, { runId: "c1", checkpoint: store });
      store.close();
      const flows = "test/waits/fixtures/flows.ts";
      expect(await cli("timers", flows, "--checkpoint", db)).toEqual({
        code: 0,
        out: "no deadline due\nnext deadline: 1970-01-01T00:16:40.300Z\n",
        err: "",
      });
      vi.setSystemTime(1_000_300);
      expect(await cli("timers", flows, "--checkpoint", db)).toEqual({
        code: 0,
        out: "fired approve of run 'c1' (quick): failed\n",
        err: "",
      });
      expect(await cli("timers", flows, "--checkpoint", db, "--json")).toEqual({
        code: 0,
        out: '{"fired":[],"unknown":[],"errors":[]}\n',
        err: "",
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it("needs the store", async () => {
    const r = await cli("timers", "test/waits/fixtures/flows.ts");
    expect(r.code).toBe(1);
    expect(r.err).toContain("required option '--checkpoint <file>' not specified");
  });
});
