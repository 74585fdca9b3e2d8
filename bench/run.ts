/**
 * `npm run bench [-- FAMILY...] [--quick] [--no-write]`: runs the benchmark families (all, or
 * those named), prints each table, and writes bench/RESULTS.md with the machine they ran on.
 * `--quick` is a fast smoke run with small sizes; it prints but does not write RESULTS.md unless
 * `--write` is given too.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { machine, peerVersion } from "./lib/machine.js";
import { sectionMarkdown } from "./lib/report.js";
import { summarySection, writeResults, type StampedSection } from "./lib/results-file.js";
import { errorText } from "./lib/errors.js";

/** Family ids, known before the families (and their packages) are loaded; families.ts has the same. */
const FAMILY_IDS = [
  "overhead",
  "peers",
  "parallel",
  "threads",
  "scheduling",
  "memory",
  "types",
  "serialization",
  "tasks",
  "serve",
  "distributed",
  "cli",
  "bus",
  "streams",
];

const PACKAGES = ["tinybench", "xstate", "@langchain/langgraph", "@langchain/core", "@mastra/core"];

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith("--")));
  const names = argv.filter((a) => !a.startsWith("--"));
  const unknownFlags = [...flags].filter(
    (f) => !["--quick", "--write", "--no-write", "--help"].includes(f),
  );
  const unknown = names.filter((n) => !FAMILY_IDS.includes(n));
  if (flags.has("--help") || unknown.length > 0 || unknownFlags.length > 0) {
    if (unknown.length || unknownFlags.length) {
      console.error(`unknown: ${[...unknown, ...unknownFlags].join(", ")}`);
    }
    console.error(
      `usage: npm run bench -- [${FAMILY_IDS.join("|")}]... [--quick] [--write|--no-write]`,
    );
    return unknown.length || unknownFlags.length ? 2 : 0;
  }
  if (!existsSync(join(import.meta.dirname, "node_modules", "tinybench"))) {
    console.error("bench/ has its own packages; install them first: npm ci --prefix bench");
    return 2;
  }
  // Loaded only now: the families need bench/'s own packages.
  const { FAMILIES } = await import("./families.js");
  if (FAMILIES.map((f) => f.id).join() !== FAMILY_IDS.join()) {
    throw new Error("bench/run.ts FAMILY_IDS and bench/families.ts disagree");
  }
  const quick = flags.has("--quick");
  const write = flags.has("--write") || (!quick && !flags.has("--no-write"));
  const selected = names.length ? FAMILIES.filter((f) => names.includes(f.id)) : FAMILIES;
  const ctx = { quick, log: (m: string) => console.error(`  ${m}`) };
  const m = machine();
  console.log(
    `weft benchmarks on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, load ${m.load}${quick ? " (quick)" : ""}\n`,
  );
  const measured: StampedSection[] = [];
  let failed = 0;
  for (const family of selected) {
    const t0 = performance.now();
    console.error(`${family.title}...`);
    try {
      const section = await family.run(ctx);
      measured.push({ section, date: new Date().toISOString(), quick });
      console.log(sectionMarkdown(section));
    } catch (e) {
      failed++;
      console.error(
        `${family.title} failed: ${e instanceof Error ? (e.stack ?? e.message) : errorText(e)}`,
      );
    }
    console.error(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  console.log(sectionMarkdown(summarySection(measured.flatMap((s) => s.section.summary))));
  if (write) {
    const file = join(import.meta.dirname, "RESULTS.md");
    const versions: [string, string][] = PACKAGES.map((p) => [
      p,
      peerVersion(p) ?? "not installed",
    ]);
    writeResults(file, m, versions, measured, FAMILY_IDS);
    console.error(`wrote ${file}`);
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
