/**
 * Task workflows: what weft adds to each task beyond starting its process. 1,000 independent
 * tasks of `true` run through `runTaskWorkflow` (parse excluded), against the same 1,000
 * processes spawned by hand with the same options (own process group, piped output) and the same
 * number at once, in the same process, taking turns.
 */
import { spawn } from "node:child_process";
import { parseTaskWorkflow, runTaskWorkflow } from "../src/tasks/index.js";
import { fmt, verdict, type BenchContext, type Family, type Section } from "./lib/report.js";
import { timeTasks, type Timing } from "./lib/timing.js";

/** At most this many processes at once, by hand and in weft alike. */
const AT_ONCE = 4;

/** The hand-written baseline: spawn `true` n times, `AT_ONCE` at a time, wait for each to exit. */
async function spawnByHand(n: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await new Promise<void>((resolve, reject) => {
        const child = spawn("true", [], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
        child.stdout.resume();
        child.stderr.resume();
        child.once("error", reject);
        child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
}

function workflowText(n: number): string {
  const lines = ["name: trues", "tasks:"];
  for (let i = 0; i < n; i++) lines.push(`  t${i}: { run: "true" }`);
  return `${lines.join("\n")}\n`;
}

async function runTasks(wf: ReturnType<typeof parseTaskWorkflow>, n: number): Promise<void> {
  const r = await runTaskWorkflow(wf, { parallelism: AT_ONCE, notify: false });
  const ok = Object.values(r.tasks).filter((t) => t.status === "completed").length;
  if (r.status !== "succeeded" || ok !== n) throw new Error(`${ok} of ${n} tasks completed`);
}

function ms(t: Timing | undefined): number {
  return t?.ok ? t.medianMs : Number.NaN;
}

export async function runTasksFamily(ctx: BenchContext): Promise<Section> {
  const n = ctx.quick ? 100 : 1_000;
  const wf = parseTaskWorkflow(workflowText(n), { file: "trues.yaml" });
  ctx.log(`tasks: ${n} tasks of true, ${AT_ONCE} at a time`);
  const t = await timeTasks(
    [
      ["spawn by hand", () => spawnByHand(n)],
      ["weft run (task workflow)", () => runTasks(wf, n)],
    ],
    // Each call spawns n processes: one call per round is plenty; no warm-up call.
    { timeMs: 0, minIterations: 1, warmupIterations: 0, rounds: ctx.quick ? 1 : 2 },
  );
  const hand = ms(t.get("spawn by hand"));
  const weft = ms(t.get("weft run (task workflow)"));
  const overhead = (weft - hand) / n;
  const rows = [
    ["spawn by hand", fmt(hand), fmt(hand / n), "-"],
    ["weft run (task workflow)", fmt(weft), fmt(weft / n), fmt(overhead)],
  ];
  return {
    id: "tasks",
    title: `Task workflows: ${n.toLocaleString("en-US")} tasks of \`true\``,
    columns: ["", "total ms", "ms per task", "overhead ms per task"],
    rows,
    notes: [
      `${n} independent tasks \`run: "true"\` (started without a shell: no shell syntax), ${AT_ONCE} at a time, against spawning \`true\` ${n} times by hand with the same options (own process group, piped output) and the same number at once, in one process, taking turns; medians of ${ctx.quick ? 1 : 2} rounds.`,
      "Overhead per task = (weft total − by-hand total) / tasks: scheduling, environment, templates, the $WEFT_OUTPUT file check and the result record. Target: under 5 ms.",
    ],
    summary: [
      [
        "task workflow overhead per task (1,000 × `true`)",
        `${fmt(overhead)} ms`,
        `< 5 ms (${verdict(overhead < 5)})`,
      ],
    ],
  };
}

export const tasks: Family = { id: "tasks", title: "Task workflows", run: runTasksFamily };
