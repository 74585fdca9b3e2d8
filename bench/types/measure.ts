// Type-checks generated builder chains of several lengths and prints tsc's own figures.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeChain } from "./gen.js";

export interface TypeCost {
  nodes: number;
  checkSeconds: number;
  totalSeconds: number;
  instantiations: number;
  memoryMB: number;
  ok: boolean;
}

const root = resolve(import.meta.dirname, "../..");

export function measure(sizes: number[]): TypeCost[] {
  const dir = mkdtempSync(join(tmpdir(), "weft-types-"));
  const out: TypeCost[] = [];
  for (const n of sizes) {
    const file = writeChain(dir, n, join(root, "src/index.js"));
    const tsconfig = join(dir, `tsconfig.${n}.json`);
    writeFileSync(
      tsconfig,
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [join(root, "node_modules/@types")],
        },
        files: [file],
      }),
    );
    let text = "";
    let ok = true;
    try {
      text = execFileSync(
        process.execPath,
        [join(root, "node_modules/typescript/bin/tsc"), "-p", tsconfig, "--extendedDiagnostics"],
        {
          encoding: "utf8",
          maxBuffer: 1 << 26,
        },
      );
    } catch (e) {
      ok = false;
      text = String((e as { stdout?: string }).stdout ?? e);
    }
    const num = (label: string) =>
      Number(new RegExp(`${label}:\\s+([\\d.]+)`).exec(text)?.[1] ?? NaN);
    out.push({
      nodes: n,
      checkSeconds: num("Check time"),
      totalSeconds: num("Total time"),
      instantiations: num("Instantiations"),
      memoryMB: Math.round(num("Memory used") / 1024),
      ok,
    });
    if (!ok)
      console.error(
        text
          .split("\n")
          .filter((l) => l.includes("error"))
          .slice(0, 5)
          .join("\n"),
      );
  }
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() as string)) {
  const sizes = process.argv.slice(2).map(Number);
  console.table(measure(sizes.length ? sizes : [50, 200, 500]));
}
