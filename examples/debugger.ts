/**
 * Debugging the customer ETL: pause before a node, look at its arguments and at what completed,
 * change its input, step node by node, and export the trace of what ran.
 * Run: npx tsx examples/debugger.ts
 */
import { etl, sampleInput } from "./etl.js";
import { light } from "./traffic-light.js";
import { isMain } from "./main.js";

export async function main(): Promise<string[]> {
  const out: string[] = [];
  const session = etl.debug(sampleInput, {
    breakpoints: [
      "clean",
      { node: "load", when: (args: { path: string }) => args.path.endsWith(".gz") },
    ],
  });

  const stop = await session.continue(); // 'load' reads a .csv: its breakpoint does not fire
  if (!("paused" in stop)) throw new Error("expected a pause before 'clean'");
  out.push(`paused before '${stop.node}' (#${stop.index + 1})`);
  out.push(`completed so far: ${Object.keys(session.results()).join(", ")}`);
  out.push(`rows loaded: ${session.results().load?.length}`);

  // Only customers over 40 this time: 'clean' runs with the changed minimum age.
  const { rows } = stop.args as { rows: unknown[] };
  session.setArgs({ rows, minAge: 40 });
  const next = await session.step();
  if ("paused" in next) out.push(`stepped to '${next.node}'`);
  out.push(
    `clean kept: ${session
      .results()
      .clean?.map((r) => r.name)
      .join(", ")}`,
  );

  const run = await session.continue();
  if ("paused" in run) throw new Error("expected the end of the run");
  out.push(`${run.status}: ${run.output}`);
  const spans = session.trace().traceEvents.filter((e) => e.ph === "X" && e.cat === "node");
  out.push(`trace: ${spans.map((e) => e.name).join(" > ")}`);

  // State machines pause per visit: here the second visit of 'yellow'.
  const fsmSession = light.debug(
    { limit: 3 },
    { breakpoints: [{ node: "yellow", when: (_input, { visit }) => visit === 1 }] },
  );
  const atYellow = await fsmSession.continue();
  if ("paused" in atYellow) {
    out.push(
      `machine paused at ${atYellow.node} visit ${atYellow.ctx.visit}, history ${atYellow.ctx.history.join(" > ")}`,
    );
  }
  const ended = await fsmSession.continue();
  if (!("paused" in ended)) out.push(`machine ${ended.status} after ${ended.cycles} cycles`);
  return out;
}

if (isMain(import.meta.url)) {
  for (const line of await main()) console.log(line);
  // A session left paused holds no timer or handle: the process still exits when done.
  const left = etl.debug(sampleInput, { breakpoints: ["report"] });
  const paused = await left.continue();
  console.log(`left paused before '${"paused" in paused ? paused.node : "?"}'; exiting`);
}
