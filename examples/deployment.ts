/**
 * A deployment pipeline as an event-driven machine: a deploy event carries the version, CI results
 * move it on, production needs two distinct approvers (a guard on the approve event's payload),
 * and `abort` works from any state. The machine is snapshotted to a file mid-way (as a server
 * would persist it between requests) and resumed from that file.
 * Run: npx tsx examples/deployment.ts
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { machine, type SnapshotOf } from "weftjs";
import { isMain } from "./main.js";

export interface Release {
  version?: string;
  approvers: string[];
  attempts: number;
}

export const deployment = machine<
  Release,
  { deploy: { version: string }; approve: { by: string } }
>("deployment")
  .states("idle", "building", "testing", "awaiting_approval", "live", "failed", "aborted")
  .events("built", "tests_passed", "tests_failed", "retry", "abort")
  .terminal("live", "aborted")
  .transition("idle", "deploy", "building", {
    guard: (_c, { version }) => /^\d+\.\d+\.\d+$/.test(version),
    action: (c, { version }) => ({ ...c, version, attempts: 1 }),
  })
  .transition("building", "built", "testing")
  .transition("testing", "tests_passed", "awaiting_approval")
  .transition("testing", "tests_failed", "failed")
  .transition("failed", "retry", "building", {
    guard: (c) => c.attempts < 3,
    action: (c) => ({ ...c, attempts: c.attempts + 1 }),
  })
  .transition("awaiting_approval", "approve", "awaiting_approval", {
    guard: (c, { by }) => c.approvers.length === 0 && !c.approvers.includes(by),
    action: (c, { by }) => ({ ...c, approvers: [...c.approvers, by] }),
  })
  .transition("awaiting_approval", "approve", "live", {
    guard: (c, { by }) => c.approvers.length >= 1 && !c.approvers.includes(by),
    action: (c, { by }) => ({ ...c, approvers: [...c.approvers, by] }),
  })
  .transition("*", "abort", "aborted")
  .build();

export async function main(): Promise<string[]> {
  const out: string[] = [];
  const d = deployment.start({ approvers: [], attempts: 0 });
  const bad = await d.send("deploy", { version: "latest" });
  out.push(`deploy "latest": ${bad.ok ? "started" : `refused (${bad.reason})`}`);
  await d.send("deploy", { version: "2.4.0" });
  await d.send("built");
  await d.send("tests_failed");
  out.push(`after failing tests: ${d.state}, can retry: ${d.can("retry")}`);
  await d.send("retry");
  await d.send("built");
  await d.send("tests_passed");
  await d.send("approve", { by: "ana" });
  out.push(`approved by ana: ${d.state}, ana again allowed: ${d.can("approve", { by: "ana" })}`);

  // Persist, as a service would between requests, and resume from the file.
  const dir = mkdtempSync(join(tmpdir(), "weft-deploy-"));
  const file = join(dir, "deployment.json");
  try {
    writeFileSync(file, JSON.stringify(d.snapshot()));
    const resumed = deployment.restore(
      JSON.parse(readFileSync(file, "utf8")) as SnapshotOf<typeof deployment>,
    );
    out.push(`resumed in ${resumed.state} with approvers ${resumed.context.approvers.join(", ")}`);
    await resumed.send("approve", { by: "bo" });
    out.push(
      `approved by bo: ${resumed.state}, done: ${resumed.done}, version ${resumed.context.version}`,
    );
    const late = await resumed.send("abort");
    out.push(`abort after going live: ${late.ok ? "aborted" : late.reason}`);
    out.push(`history: ${resumed.history.map((h) => `${h.from}-[${h.event}]->${h.to}`).join(" ")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const other = deployment.start({ approvers: [], attempts: 0 });
  await other.send("deploy", { version: "2.5.0" });
  await other.send("abort");
  out.push(`a second release aborted while ${other.history.at(-1)?.from}: ${other.state}`);
  return out;
}

if (isMain(import.meta.url)) for (const line of await main()) console.log(line);
