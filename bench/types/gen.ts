// Generates workflows of N nodes for type-checking cost measurements.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The shapes measured: one chain, a layered DAG, fragments (the documented style), an fsm. */
export type Shape = "chain" | "layered" | "fragments" | "fsm" | "fsm-get";

/** One `.node` call chain: node i reads a port of node i−1, node i−7 whole and an input field. */
export function chainSource(n: number, importPath: string): string {
  const lines = [
    `import { dag } from "${importPath}";`,
    `export const wf = dag<{ seed: number; label: string }>("chain${n}")`,
  ];
  if (n > 0) lines.push(`  .node("n0", { s: "input.seed" }, ({ s }) => ({ value: s, tag: "t0" }))`);
  for (let i = 1; i < n; i++) {
    const far = Math.max(0, i - 7);
    lines.push(
      `  .node("n${i}", { a: "n${i - 1}.value", b: "n${far}", l: "input.label" }, ({ a, b, l }) => ({ value: a + b.value, tag: l }))`,
    );
  }
  lines.push("  .build();");
  if (n > 0)
    lines.push(`export const last = wf.runSync({ seed: 1, label: "x" }).get("n${n - 1}.value");`);
  return lines.join("\n") + "\n";
}

/** Node j of a layer outputs a number, a string or an object, by j mod 3. */
function layeredNode(layer: number, j: number, width: number): string {
  const name = `l${layer}_${j}`;
  const kind = j % 3;
  const out =
    kind === 0 ? "a.length + 1" : kind === 1 ? "`${a.length}`" : "{ v: a.length, s: String(b) }";
  if (layer === 0) {
    const base = kind === 0 ? "x" : kind === 1 ? "`${x}`" : "({ v: x, s: String(x) })";
    return `  .node("${name}", { x: "input.x" }, ({ x }) => ${base})`;
  }
  // Three dependencies in the previous layer; an object output is read through its port.
  const ref = (k: number) => {
    const jj = (j + k) % width;
    return jj % 3 === 2 ? `l${layer - 1}_${jj}.s` : `l${layer - 1}_${jj}`;
  };
  return `  .node("${name}", { a: "${ref(0)}", b: "${ref(1)}", c: "${ref(3)}" }, ({ a, b, c }) => { const x = [a, b, c]; return ${out.replaceAll("a.length", "x.length")}; })`;
}

/** A layered DAG: width 10, each node reads three nodes of the layer before, mixed output types. */
export function layeredSource(n: number, importPath: string): string {
  const width = 10;
  const lines = [
    `import { dag } from "${importPath}";`,
    `export const wf = dag<{ x: number }>("layered${n}")`,
  ];
  for (let i = 0; i < n; i++) lines.push(layeredNode(Math.floor(i / width), i % width, width));
  lines.push("  .build();");
  return lines.join("\n") + "\n";
}

/**
 * The documented style for large workflows: fragments of 50 nodes, each needing the last node of
 * the one before, applied to a short main chain with `.use`.
 */
export function fragmentsSource(n: number, importPath: string): string {
  const size = 50;
  const count = Math.ceil(n / size);
  const lines = [
    `import { dag, fragment } from "${importPath}";`,
    `type V = { value: number; tag: string };`,
  ];
  for (let f = 0; f < count; f++) {
    const need = f === 0 ? "input" : `f${f - 1}_${size - 1}`;
    const needType = f === 0 ? "{ seed: number; label: string }" : "V";
    lines.push(`const frag${f} = fragment<{ ${need}: ${needType} }>()((b) => b`);
    for (let i = 0; i < size; i++) {
      const prev = i === 0 ? (f === 0 ? "input.seed" : `${need}.value`) : `f${f}_${i - 1}.value`;
      lines.push(
        `  .node("f${f}_${i}", { a: "${prev}" }, ({ a }) => ({ value: a + 1, tag: "t" }))`,
      );
    }
    lines.push(");");
  }
  lines.push(`export const wf = dag<{ seed: number; label: string }>("fragments${n}")`);
  for (let f = 0; f < count; f++) lines.push(`  .use(frag${f})`);
  lines.push("  .build();");
  return lines.join("\n") + "\n";
}

/**
 * A function-return state machine of n states in a ring; with `get`, each handler also reads an
 * earlier state's result through `ctx.get`.
 */
export function fsmSource(n: number, importPath: string, get = false): string {
  const names = Array.from({ length: n }, (_, i) => `"s${i}"`);
  const lines = [
    `import { fsm, next, stop } from "${importPath}";`,
    `export const m = fsm<{ limit: number }>("ring${n}")`,
    `  .states(${names.join(", ")})`,
  ];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  .state("s${i}", (input, ctx) => ctx.visits("s${i}") > input.limit ? stop(${get ? `ctx.get("s0") ?? ${i}` : i}) : next("s${(i + 1) % n}", ${i}))`,
    );
  }
  lines.push("  .build();");
  return lines.join("\n") + "\n";
}

/** Source text of a workflow of the given shape and size. */
export function source(shape: Shape, n: number, importPath: string): string {
  if (shape === "layered") return layeredSource(n, importPath);
  if (shape === "fragments") return fragmentsSource(n, importPath);
  if (shape === "fsm") return fsmSource(n, importPath);
  if (shape === "fsm-get") return fsmSource(n, importPath, true);
  return chainSource(n, importPath);
}

export function writeChain(
  dir: string,
  n: number,
  importPath: string,
  shape: Shape = "chain",
): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${shape}${n}.ts`);
  writeFileSync(file, source(shape, n, importPath));
  return file;
}

/**
 * A tsconfig.json for checking generated workflows: strict NodeNext, Node's types from
 * `nodeTypes` (the project's node_modules/@types), and the given `files` or `include`.
 */
export function tsconfigText(
  nodeTypes: string,
  sources: { files: string[] } | { include: string[] },
): string {
  return JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [nodeTypes],
    },
    ...sources,
  });
}
