/**
 * weft against XState, LangGraph.js and Mastra on the same workloads. Each peer case is timed
 * together with weft on the identical workload and size, and compared per node. A peer that
 * cannot be loaded or run is reported in its row; the others still run.
 */
import { peerVersion } from "../lib/machine.js";
import { fmt, ratio, type BenchContext, type Family, type Section } from "../lib/report.js";
import { errorText } from "../lib/errors.js";
import { timeTasks, type Timing } from "../lib/timing.js";
import { runPath } from "../workloads/paths.js";
import { chain, fan, type Workload } from "../workloads/trivial.js";
import type { PeerCase, PeerModule, PeerSizes } from "./types.js";

interface PeerEntry {
  /** The module to import, so a missing package fails only its own rows. */
  load(): Promise<PeerModule>;
  label: string;
  packages: string[];
  sizes(quick: boolean): PeerSizes;
}

const PEERS: PeerEntry[] = [
  {
    label: "XState v5",
    packages: ["xstate"],
    load: async () => (await import("./xstate.js")).xstatePeer,
    sizes: (q) => ({ chain: q ? 100 : 1_000, fan: q ? 20 : 100, flavors: ["sync", "async"] }),
  },
  {
    label: "LangGraph.js",
    packages: ["@langchain/langgraph", "@langchain/core"],
    load: async () => (await import("./langgraph.js")).langgraphPeer,
    sizes: (q) => ({ chain: q ? 20 : 100, fan: q ? 20 : 100, flavors: ["async"] }),
  },
  {
    label: "Mastra",
    packages: ["@mastra/core"],
    load: async () => (await import("./mastra.js")).mastraPeer,
    sizes: (q) => ({ chain: q ? 20 : 100, fan: q ? 20 : 100, flavors: ["async"] }),
  },
];

/** weft's workload matching a peer case. */
function workloadOf(c: PeerCase): Workload {
  return c.shape === "chain" ? chain(c.size, c.flavor) : fan(c.size, c.flavor);
}

/** The versions of a peer's packages as installed in bench/node_modules. */
export function versionsOf(packages: string[]): string {
  return packages.map((p) => `${p}@${peerVersion(p) ?? "missing"}`).join(", ");
}

export async function runPeers(ctx: BenchContext): Promise<Section> {
  const rows: string[][] = [];
  const summary: string[][] = [];
  for (const entry of PEERS) {
    const version = versionsOf(entry.packages);
    let peer: PeerModule;
    let cases: PeerCase[];
    try {
      peer = await entry.load();
      cases = peer.cases(entry.sizes(ctx.quick));
    } catch (e) {
      rows.push([
        entry.label,
        version,
        "all",
        "",
        `not available: ${errorText(e)}`,
        "",
        "",
        "",
        "",
      ]);
      summary.push([`${entry.label} ÷ weft`, "not available", errorText(e)]);
      continue;
    }
    for (const c of cases) {
      const w = workloadOf(c);
      const desc = w.name;
      ctx.log(`peers: ${peer.name} ${desc} (${c.flavor})`);
      const path = c.flavor === "sync" ? "runSync" : "parallel";
      const weftLabel = path === "runSync" ? "runSync" : "run()";
      const wf = w.build();
      try {
        const got = await c.run();
        if (got !== w.expected) throw new Error(`output ${String(got)}, expected ${w.expected}`);
      } catch (e) {
        rows.push([peer.name, version, desc, c.flavor, `failed: ${errorText(e)}`, "", "", "", ""]);
        summary.push([`${peer.name} ÷ weft, ${desc} (${c.flavor})`, "failed", errorText(e)]);
        continue;
      }
      const t = await timeTasks(
        [
          ["peer", () => c.run()],
          ["weft", () => runPath(wf, path, w.input)],
        ],
        { timeMs: ctx.quick ? 150 : 600 },
      );
      const cells = row(
        peer,
        version,
        desc,
        c.flavor,
        w.nodes,
        t.get("peer"),
        t.get("weft"),
        weftLabel,
      );
      rows.push(cells);
      summary.push([
        `${peer.name} ÷ weft, ${desc} (${c.flavor})`,
        cells[7] || "failed",
        `${cells[4]} vs ${cells[6]} µs per node`,
      ]);
    }
  }
  return {
    id: "peers",
    title: "weft against XState, LangGraph.js and Mastra",
    columns: [
      "peer",
      "versions",
      "workload",
      "functions",
      "peer µs / node",
      "weft path",
      "weft µs / node",
      "peer ÷ weft",
      "peer, for orientation",
    ],
    rows,
    notes: [
      "Same node functions and workloads as the overhead table; slower peers run smaller sizes, and weft runs the same size next to each, so per-node figures compare.",
      "XState: one state per node with an eventless transition (sync) or an invoked promise actor (async); the fan is a parallel state with one region per middle node. LangGraph.js: one graph node per node, values in the graph state, the join waiting on every middle node. Mastra: one step per node, `.then` and `.parallel`.",
      "`peer ÷ weft` above 1 means weft is faster by that factor.",
      `Mastra is pinned to the newest release whose engines allow Node 20 (${versionsOf(["@mastra/core"])}); 1.x needs Node ≥ 22.13.`,
    ],
    summary,
  };
}

function row(
  peer: PeerModule,
  version: string,
  desc: string,
  flavor: string,
  nodes: number,
  p: Timing | undefined,
  w: Timing | undefined,
  weftLabel: string,
): string[] {
  const perNode = (t: Timing | undefined) =>
    t?.ok ? fmt((t.medianMs * 1000) / nodes) : `error: ${t?.error ?? "not run"}`;
  const r = p?.ok && w?.ok ? ratio(p.medianMs / w.medianMs) : "";
  return [peer.name, version, desc, flavor, perNode(p), weftLabel, perNode(w), r, peer.orientation];
}

export const peers: Family = { id: "peers", title: "Peers", run: runPeers };
