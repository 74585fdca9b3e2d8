/**
 * Durable waits: a document waits for an approval for up to three days without holding a
 * process, and a hotfix deploys unless someone objects in time (silence is consent). The run
 * parks with status "waiting"; a signal from any process continues it, and `timers` fires
 * deadlines that passed while nothing ran.
 *
 * Run: npx tsx examples/approval.ts /tmp/approvals.sqlite
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dag, signal, SignalError, sqliteStore, timers } from "weftjs";
import { isMain } from "./main.js";

const DAY = 24 * 3600_000;

export interface Decision {
  ok: boolean;
  by: string;
}

/** A draft waits for a reviewer's decision, three days at most (then it counts as rejected). */
export const approval = dag<{ title: string }>("approval")
  .node("draft", { title: "input.title" }, ({ title }) => `draft of '${title}'`)
  .wait("approve", { draft: "draft" }, signal<Decision>(), {
    timeoutMs: 3 * DAY,
    fallback: { ok: false, by: "nobody (timed out)" },
  })
  .node("publish", { draft: "draft", ok: "approve.ok", by: "approve.by" }, ({ draft, ok, by }) =>
    ok ? `${draft} published, approved by ${by}` : `${draft} shelved, rejected by ${by}`,
  )
  .build();

/** A hotfix waits 200 ms for an objection (15 minutes in real life); no objection, it ships. */
export const hotfix = dag<{ version: string }>("hotfix")
  .node("build", { version: "input.version" }, ({ version }) => `build ${version}`)
  .wait("objection", { build: "build" }, signal<{ veto: boolean; by: string }>(), {
    timeoutMs: 200,
    fallback: { veto: false, by: "nobody" },
  })
  .node("deploy", { build: "build", veto: "objection.veto", by: "objection.by" }, (a) =>
    a.veto ? `${a.build} held back by ${a.by}` : `${a.build} deployed (objections: ${a.by})`,
  )
  .build();

/** The story: what each step prints. */
export async function scenario(db: string): Promise<string[]> {
  const out: string[] = [];
  const store = sqliteStore(db);
  try {
    const r = await approval.run({ title: "Q3 plan" }, { runId: "doc-42", checkpoint: store });
    const w = r.waiting[0];
    out.push(
      `doc-42 ${r.status} for '${w.node}' (${((w.deadline ?? 0) - w.since) / DAY} days at most)`,
    );
    // Days later, in another process: the reviewer's decision arrives.
    const decided = await approval.signal(
      "doc-42",
      "approve",
      { ok: true, by: "ann" },
      { checkpoint: store },
    );
    out.push(`doc-42 ${decided.status}: ${decided.output}`);
    try {
      await approval.signal("doc-42", "approve", { ok: false, by: "bob" }, { checkpoint: store });
    } catch (e) {
      if (!(e instanceof SignalError)) throw e;
      out.push(`a second decision is refused (${e.code})`);
    }
    const h = await hotfix.run({ version: "2.4.1" }, { runId: "hf-1", checkpoint: store });
    out.push(`hf-1 ${h.status} for '${h.waiting[0].node}'`);
    // Nobody objects; the scheduled `weft timers` (here: `timers`) fires the deadline.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const report = await timers(store, [approval, hotfix]);
    for (const f of report.fired)
      out.push(`timers: '${f.nodes.join(", ")}' of ${f.runId} timed out, run ${f.status}`);
    out.push(`hf-1: ${store.loadRun("hf-1")?.entries.find((e) => e.node === "deploy")?.value}`);
  } finally {
    store.close();
  }
  return out;
}

if (isMain(import.meta.url)) {
  const dir = process.argv[2] ? undefined : mkdtempSync(join(tmpdir(), "weft-approval-"));
  try {
    for (const line of await scenario(process.argv[2] ?? join(dir as string, "approvals.sqlite")))
      console.log(line);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
