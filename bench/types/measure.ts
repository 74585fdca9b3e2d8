// Type-checks generated workflows of several sizes and prints tsc's own figures.
//
//   npx tsx bench/types/measure.ts [--shape chain|layered|fragments|fsm|fsm-get] [--tsc PATH] N...
//
// `--tsc` (or WEFT_TSC) picks the compiler: by default TypeScript 6 from node_modules; for
// TypeScript 7, install it apart (`npm i --prefix /tmp/ts7 typescript@7`) and pass
// `--tsc /tmp/ts7/node_modules/typescript/bin/tsc` (bench/package.json lists it as `typescript7`).
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tsconfigText, writeChain, type Shape } from "./gen.js";

export interface TypeCost {
  shape: Shape;
  nodes: number;
  /** Instantiations minus those of an empty workflow (the library and lib files). */
  instantiations: number;
  perNode: number;
  /** Compiler process CPU (user + system), seconds. */
  cpuSeconds: number;
  memoryMB: number;
  ok: boolean;
}

const root = resolve(import.meta.dirname, "../..");
const defaultTsc = join(root, "node_modules/typescript/bin/tsc");

interface Raw {
  instantiations: number;
  cpu: number;
  memoryMB: number;
  ok: boolean;
  text: string;
}

function compile(dir: string, file: string, tsc: string): Raw {
  const tsconfig = join(dir, `tsconfig.${file.split("/").pop()}.json`);
  writeFileSync(tsconfig, tsconfigText(join(root, "node_modules/@types"), { files: [file] }));
  // /usr/bin/time gives the child's CPU time; tsc's own "Check time" is wall time.
  const cmd = tsc.endsWith(".js") || tsc === defaultTsc ? [process.execPath, tsc] : [tsc];
  const r = spawnSync(
    "/usr/bin/time",
    ["-f", "CPU %U %S", ...cmd, "-p", tsconfig, "--extendedDiagnostics"],
    {
      encoding: "utf8",
      maxBuffer: 1 << 26,
    },
  );
  const text = `${r.stdout}\n${r.stderr}`;
  const num = (label: string) =>
    Number(new RegExp(`${label}:\\s+([\\d.]+)`).exec(text)?.[1] ?? NaN);
  const cpu = /CPU ([\d.]+) ([\d.]+)/.exec(text);
  return {
    instantiations: num("Instantiations"),
    cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN,
    memoryMB: Math.round(num("Memory used") / 1024),
    ok: r.status === 0 && !/error TS|RangeError/.test(text),
    text,
  };
}

export function measure(
  sizes: number[],
  shape: Shape = "chain",
  tsc = process.env.WEFT_TSC ?? defaultTsc,
): TypeCost[] {
  const dir = mkdtempSync(join(tmpdir(), "weft-types-"));
  const importPath = join(root, "src/index.js");
  const base = compile(
    dir,
    writeChain(dir, 0, importPath, shape.startsWith("fsm") ? "chain" : shape),
    tsc,
  );
  const out: TypeCost[] = [];
  for (const n of sizes) {
    const r = compile(dir, writeChain(dir, n, importPath, shape), tsc);
    const inst = r.instantiations - base.instantiations;
    out.push({
      shape,
      nodes: n,
      instantiations: inst,
      perNode: Math.round(inst / n),
      cpuSeconds: r.cpu,
      memoryMB: r.memoryMB,
      ok: r.ok,
    });
    if (!r.ok)
      console.error(
        r.text
          .split("\n")
          .filter((l) => /error|RangeError/.test(l))
          .slice(0, 3)
          .join("\n"),
      );
  }
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() as string)) {
  const args = process.argv.slice(2);
  let shape: Shape = "chain";
  let tsc: string | undefined;
  const sizes: number[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--shape") shape = args[++i] as Shape;
    else if (args[i] === "--tsc") tsc = args[++i];
    else sizes.push(Number(args[i]));
  }
  console.table(measure(sizes.length ? sizes : [50, 200, 500], shape, tsc));
}
