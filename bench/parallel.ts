/**
 * Parallel efficiency for I/O-bound nodes: `width` nodes each awaiting a 10 ms timer, run at once.
 * Ideal time is one node's time; efficiency = ideal ÷ measured.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { fmt, ratio, verdict, type BenchContext, type Family, type Section } from "./lib/report.js";
import { timeTasks, type Timing } from "./lib/timing.js";
import { ioWide, ioWideByHand } from "./workloads/io.js";

export const IO_MS = 10;
export const EFFICIENCY_TARGET = 0.95;

export async function runParallel(ctx: BenchContext): Promise<Section> {
  const widths = [1, 10, 100, 1_000];
  const rows: string[][] = [];
  const effs: string[] = [];
  const ceilings: string[] = [];
  for (const width of widths) {
    ctx.log(`parallel: width ${width}`);
    const wf = ioWide(width, IO_MS);
    const check = await wf.run(undefined);
    if (check.output !== width)
      throw new Error(`io width ${width}: output ${String(check.output)}`);
    const byHand = ioWideByHand(width, IO_MS);
    const t = await timeTasks(
      [
        ["one timer", () => sleep(IO_MS)],
        ["Promise.all", byHand],
        ["weft", () => wf.run(undefined)],
      ],
      { timeMs: ctx.quick ? 100 : 400, minIterations: ctx.quick ? 3 : 7 },
    );
    const one = ms(t.get("one timer"));
    const all = ms(t.get("Promise.all"));
    const weft = ms(t.get("weft"));
    const eff = one / weft;
    effs.push(fmt(eff));
    ceilings.push(fmt(one / all));
    rows.push([
      width.toLocaleString("en-US"),
      fmt(one),
      fmt(all),
      fmt(weft),
      fmt(IO_MS / weft),
      fmt(one / all),
      fmt(eff),
      ratio(weft / all),
      `≥ ${EFFICIENCY_TARGET}: ${verdict(eff >= EFFICIENCY_TARGET)}`,
    ]);
  }
  return {
    id: "parallel",
    title: "Parallel efficiency, I/O-bound nodes",
    columns: [
      "width",
      "one timer ms",
      "Promise.all ms",
      "weft run() ms",
      "efficiency vs 10 ms",
      "Promise.all efficiency",
      "weft efficiency",
      "weft ÷ Promise.all",
      "target",
    ],
    rows,
    notes: [
      `Each of \`width\` nodes awaits a ${IO_MS} ms timer; a trivial join counts them. Default \`run()\` (parallel, no concurrency limit). Medians.`,
      "Ideal time is one node's time: a single `await` of the same timer measured in the same process (Node fires a 10 ms timer a little late). weft efficiency = one timer ÷ weft. `efficiency vs 10 ms` uses the nominal 10 ms instead.",
      "`Promise.all` runs the same node functions by hand (the same waits under `Promise.all`, then the same join on the same argument object): the best a single process can do, so its efficiency is the ceiling for any scheduler here. `weft ÷ Promise.all` is weft's time over it.",
    ],
    summary: [
      [
        `I/O parallel efficiency at width ${widths.map((w) => w.toLocaleString("en-US")).join(" / ")}`,
        effs.join(" / "),
        `≥ ${EFFICIENCY_TARGET} each`,
      ],
      [
        "the same by hand (`Promise.all`), width 1 / 10 / 100 / 1,000",
        ceilings.join(" / "),
        "the ceiling on this machine",
      ],
    ],
  };
}

function ms(t: Timing | undefined): number {
  if (!t?.ok) throw new Error(t ? t.error : "not measured");
  return t.medianMs;
}

export const parallel: Family = { id: "parallel", title: "Parallel efficiency", run: runParallel };
