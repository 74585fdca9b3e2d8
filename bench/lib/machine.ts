/** The machine and the package versions a set of results was measured with. */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, freemem, loadavg, platform, release, totalmem } from "node:os";
import { join } from "node:path";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  os: string;
  date: string;
  /** Load averages (1, 5, 15 min) when the run started: other work shares the cores. */
  load: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? "unknown",
    cores: availableParallelism(),
    memoryGiB: round1(totalmem() / 2 ** 30),
    freeMemoryGiB: round1(freemem() / 2 ** 30),
    node: process.version,
    os: `${platform()} ${release()}`,
    date: new Date().toISOString(),
    load: loadavg()
      .map((x) => x.toFixed(2))
      .join(", "),
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

const benchDir = import.meta.dirname;

/** The installed version of a package in bench/'s own node_modules, if any. */
export function peerVersion(name: string): string | undefined {
  try {
    const file = join(benchDir, "..", "node_modules", name, "package.json");
    return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version;
  } catch {
    return undefined;
  }
}
