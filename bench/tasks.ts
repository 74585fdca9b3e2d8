/**
 * Task workflows: what weft adds to each task beyond starting its process. 1,000 independent
 * tasks of `true` run through `runTaskWorkflow` (parse excluded), against the same 1,000
 * processes spawned by hand with the same options (own process group, piped output) and the same
 * number at once, in the same process, taking turns; wall time and the CPU time of weft's own
 * process (children excluded), which is what weft adds.
 */
import { spawn } from "node:child_process";
import { parseTaskWorkflow, runTaskWorkflow } from "../src/tasks/index.js";
import { fmt, verdict, type BenchContext, type Family, type Section } from "./lib/report.js";

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

/** Wall time and this process's CPU time (user + system; the children's excluded) of one call. */
async function measure(fn: () => Promise<void>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export async function runTasksFamily(ctx: BenchContext): Promise<Section> {
  const n = ctx.quick ? 100 : 1_000;
  const rounds = ctx.quick ? 1 : 2;
  const wf = parseTaskWorkflow(workflowText(n), { file: "trues.yaml" });
  const hand: { wallMs: number; cpuMs: number }[] = [];
  const weft: { wallMs: number; cpuMs: number }[] = [];
  // The two take turns, so a change in the machine's load weighs on both.
  for (let r = 0; r < rounds; r++) {
    ctx.log(
      `tasks: round ${r + 1} of ${rounds}: ${n} × true by hand, then in weft (${AT_ONCE} at a time)`,
    );
    hand.push(await measure(() => spawnByHand(n)));
    weft.push(await measure(() => runTasks(wf, n)));
  }
  const hw = mean(hand.map((x) => x.wallMs));
  const hc = mean(hand.map((x) => x.cpuMs));
  const ww = mean(weft.map((x) => x.wallMs));
  const wc = mean(weft.map((x) => x.cpuMs));
  const cpuOverhead = (wc - hc) / n;
  const wallOverhead = (ww - hw) / n;
  return {
    id: "tasks",
    title: `Task workflows: ${n.toLocaleString("en-US")} tasks of \`true\``,
    columns: ["", "wall ms", "wall ms per task", "CPU ms (weft's process)", "CPU ms per task"],
    rows: [
      ["spawn by hand", fmt(hw), fmt(hw / n), fmt(hc), fmt(hc / n)],
      ["weft run (task workflow)", fmt(ww), fmt(ww / n), fmt(wc), fmt(wc / n)],
      ["overhead per task", "", fmt(wallOverhead), "", fmt(cpuOverhead)],
    ],
    notes: [
      `${n} independent tasks \`run: "true"\` (started without a shell: no shell syntax), ${AT_ONCE} at a time, against spawning \`true\` ${n} times by hand with the same options (own process group, piped output) and the same number at once; in one process, taking turns, means of ${rounds} round${rounds === 1 ? "" : "s"}.`,
      "Overhead per task = (weft − by hand) / tasks: scheduling, environment, templates, the $WEFT_OUTPUT file check, the result record. The target (under 5 ms) is judged on CPU time of weft's own process, which is what weft adds; wall time on a busy machine is mostly waiting for a core and moves by more than the overhead between calls.",
    ],
    summary: [
      [
        "task workflow overhead per task (1,000 × `true`, CPU)",
        `${fmt(cpuOverhead)} ms`,
        `< 5 ms (${verdict(cpuOverhead < 5)}); wall ${fmt(wallOverhead)} ms`,
      ],
    ],
  };
}

export const tasks: Family = { id: "tasks", title: "Task workflows", run: runTasksFamily };
