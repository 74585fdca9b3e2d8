// Generates a builder chain of N nodes for type-checking cost measurements.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function chainSource(n: number, importPath: string): string {
  const lines = [
    `import { dag } from "${importPath}";`,
    `export const wf = dag<{ seed: number; label: string }>("chain${n}")`,
  ];
  lines.push(`  .node("n0", { s: "input.seed" }, ({ s }) => ({ value: s, tag: "t0" }))`);
  for (let i = 1; i < n; i++) {
    const far = Math.max(0, i - 7);
    lines.push(
      `  .node("n${i}", { a: "n${i - 1}.value", b: "n${far}", l: "input.label" }, ({ a, b, l }) => ({ value: a + b.value, tag: l }))`,
    );
  }
  lines.push("  .build();");
  lines.push(`export const last = wf.runSync({ seed: 1, label: "x" }).get("n${n - 1}.value");`);
  return lines.join("\n") + "\n";
}

export function writeChain(dir: string, n: number, importPath: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `chain${n}.ts`);
  writeFileSync(file, chainSource(n, importPath));
  return file;
}
