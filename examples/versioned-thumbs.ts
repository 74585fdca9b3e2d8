/**
 * Versioned node functions and the audit trail: a workflow pins `resize@^1.2`, its graph goes
 * through YAML and is rebuilt against a newer registry, and the store records who ran what.
 * Run: npx tsx examples/versioned-thumbs.ts
 */
import {
  dag,
  fromGraph,
  graphToYaml,
  memoryStore,
  parseGraph,
  registry,
  verifyAudit,
} from "weftjs";
import { isMain } from "./main.js";

type Resize = (args: { w: number }) => number;

const halve: Resize = ({ w }) => Math.round(w / 2);
const halveSharper: Resize = ({ w }) => Math.round(w / 2) - 1;
const quarter: Resize = ({ w }) => Math.round(w / 4);

export const reg = registry().add("resize", "1.2.0", halve).add("resize", "2.0.0", quarter);

export const thumbs = dag<{ w: number }>("thumbs")
  .node("resize", { w: "input.w" }, reg.use<Resize>("resize@^1.2"))
  .node("label", { w: "resize" }, ({ w }) => `${w}px`)
  .build();

export async function scenario(): Promise<string[]> {
  const out: string[] = [];
  const store = memoryStore();
  const first = await thumbs.run({ w: 640 }, { runId: "t1", checkpoint: store, actor: "ana" });
  out.push(`${first.output} from resize ${first.toJSON().nodes.resize.version}`);

  // The graph names the range, not the function: a newer registry serves a newer 1.x.
  const yaml = graphToYaml(thumbs.graph);
  out.push(`graph fn: ${JSON.stringify(parseGraph(yaml).nodes[0].fn)}`);
  const newer = registry()
    .add("resize", "1.2.0", halve)
    .add("resize", "1.3.0", halveSharper)
    .add("resize", "2.0.0", quarter)
    .add("label", "1.0.0", ({ w }: { w: number }) => `${w}px`);
  const rebuilt = fromGraph(parseGraph(yaml), newer);
  const second = await rebuilt.run({ w: 640 }, { runId: "t2", checkpoint: store, actor: "bob" });
  out.push(`${second.output} from resize ${second.toJSON().nodes.resize.version}`);

  try {
    fromGraph(parseGraph(yaml.replace("^1.2", "^3")), newer);
  } catch (e) {
    out.push((e as Error).message.split("\n")[1].trim());
  }

  for (const e of store.readAudit()) {
    out.push(`audit ${e.seq}: ${e.actor} ${e.action} ${e.runId}${e.status ? ` ${e.status}` : ""}`);
  }
  const verdict = verifyAudit(store.readAudit());
  out.push(verdict.ok ? `chain intact (${verdict.entries} entries)` : verdict.message);
  return out;
}

if (isMain(import.meta.url)) {
  for (const line of await scenario()) console.log(line);
}
