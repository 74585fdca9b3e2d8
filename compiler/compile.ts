/**
 * `weft compile`: extract workflows, check them, emit their files and a manifest. Output is
 * deterministic and a file is written only when its bytes change; `check` mode compares instead
 * of writing and lists what is stale.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { graphHash } from "../src/graph/hash.js";
import { checkWorkflow } from "./checks/index.js";
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { emitWorkflow, OUTPUT_SUFFIXES, type OutputKind } from "./emit.js";
import type { ExtractedWorkflow } from "./extract/workflow.js";
import type { WeftProject } from "./project.js";

/** Options of {@link compile}. */
export interface CompileOptions {
  /** Files and folders to read (relative to the project root). Default: the root. */
  paths: string[];
  /** Output folder (relative to the project root). */
  out: string;
  /** Compare with what is on disk instead of writing; stale files are listed in the result. */
  check?: boolean;
}

/** A workflow's entry in `manifest.json`. */
export interface ManifestWorkflow {
  name: string;
  kind: "dag" | "fsm";
  file: string;
  export: string;
  graphHash: string;
  durable?: true;
  outputs: Partial<Record<OutputKind, string>>;
}

/** `manifest.json`: what was compiled from what. */
export interface Manifest {
  version: 1;
  workflows: ManifestWorkflow[];
  /** Files that declare workflows, relative to the project root, with their SHA-256. */
  sources: Record<string, string>;
  /** Every output file (relative to the output folder) with its SHA-256. */
  files: Record<string, string>;
}

/** What {@link compile} did. */
export interface CompileResult {
  workflows: ExtractedWorkflow[];
  diagnostics: Diagnostic[];
  /** Output files (relative to the output folder) and their contents, manifest included. */
  outputs: Map<string, string>;
  /** Files written (changed or new), relative to the output folder. */
  written: string[];
  /** Files left alone because their bytes were already right. */
  unchanged: string[];
  /** Files removed because their workflow is gone (listed in the previous manifest only). */
  removed: string[];
  /** Check mode: files that are missing, different, or left over. */
  stale: string[];
  /** Absolute output folder. */
  outDir: string;
}

const MANIFEST = "manifest.json";

/**
 * Compiles the workflows under `options.paths` into `options.out`. When any error is reported,
 * nothing is written.
 *
 * @example
 * ```ts
 * const session = new WeftProject({ root: process.cwd() });
 * const result = await compile(session, { paths: ["examples"], out: "examples/out" });
 * result.written; // ["customer_etl.graph.json", ...]
 * ```
 */
export async function compile(
  session: WeftProject,
  options: CompileOptions,
): Promise<CompileResult> {
  const outDir = path.resolve(session.root, options.out);
  const extraction = session.extract(options.paths, [outDir]);
  const checker = session.project.getTypeChecker().compilerObject;
  const diagnostics = [...extraction.diagnostics];
  const byName = new Map<string, ExtractedWorkflow[]>();
  for (const w of extraction.workflows) {
    diagnostics.push(...checkWorkflow(w, checker));
    const key = fileBase(w.graph.name);
    byName.set(key, [...(byName.get(key) ?? []), w]);
  }
  for (const [key, list] of byName) {
    if (list.length < 2) continue;
    for (const w of list.slice(1)) {
      diagnostics.push(
        diagnostic(
          "WEFT007",
          `workflow name '${w.graph.name}' is also used by export '${list[0].exportName}' of ${list[0].file}; ` +
            `both would write ${key}.* — rename one`,
          w.graph.source,
          w.graph.name,
        ),
      );
    }
  }
  const result: CompileResult = {
    workflows: extraction.workflows,
    diagnostics: sortDiagnostics(diagnostics),
    outputs: new Map(),
    written: [],
    unchanged: [],
    removed: [],
    stale: [],
    outDir,
  };
  if (hasErrors(diagnostics)) return result;

  const workflows = [...extraction.workflows].sort((a, b) => cmp(a.graph.name, b.graph.name));
  const manifest: Manifest = { version: 1, workflows: [], sources: {}, files: {} };
  for (const w of workflows) {
    const base = fileBase(w.graph.name);
    const files = await emitWorkflow(w.graph, w.inputSchema);
    const outputs: Partial<Record<OutputKind, string>> = {};
    for (const kind of Object.keys(OUTPUT_SUFFIXES) as OutputKind[]) {
      const text = files[kind];
      if (text === undefined) continue;
      const name = base + OUTPUT_SUFFIXES[kind];
      outputs[kind] = name;
      result.outputs.set(name, text);
    }
    const entry: ManifestWorkflow = {
      name: w.graph.name,
      kind: w.graph.kind,
      file: w.file,
      export: w.exportName,
      graphHash: graphHash(w.graph),
      outputs,
    };
    if (w.durable) entry.durable = true;
    manifest.workflows.push(entry);
    manifest.sources[w.file] ??= sha256(readFileSync(path.resolve(session.root, w.file), "utf8"));
  }
  manifest.sources = sortKeys(manifest.sources);
  for (const name of [...result.outputs.keys()].sort())
    manifest.files[name] = sha256(result.outputs.get(name) as string);
  result.outputs.set(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);

  const previous = readManifest(outDir);
  const leftovers = previous
    ? Object.keys(previous.files).filter((f) => !result.outputs.has(f) && isPlainFileName(f))
    : [];
  if (options.check) {
    for (const [name, text] of [...result.outputs].sort(([a], [b]) => cmp(a, b))) {
      const onDisk = readIfExists(path.join(outDir, name));
      const same =
        name === MANIFEST
          ? onDisk !== undefined && withoutSourceHashes(onDisk) === withoutSourceHashes(text)
          : onDisk === text;
      if (!same) result.stale.push(name);
    }
    for (const f of leftovers) if (existsSync(path.join(outDir, f))) result.stale.push(f);
    return result;
  }
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of [...result.outputs].sort(([a], [b]) => cmp(a, b))) {
    const file = path.join(outDir, name);
    if (readIfExists(file) === text) {
      result.unchanged.push(name);
      continue;
    }
    writeFileSync(file, text);
    result.written.push(name);
  }
  for (const f of leftovers) {
    const file = path.join(outDir, f);
    if (existsSync(file)) {
      rmSync(file);
      result.removed.push(f);
    }
  }
  return result;
}

/** A workflow name as a file name: anything but letters, digits, `.`, `_`, `-` becomes `_`. */
export function fileBase(name: string): string {
  const base = name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
  return base === "" ? "_" : base;
}

function isPlainFileName(f: string): boolean {
  return f !== MANIFEST && !f.includes("/") && !f.includes("\\") && !f.startsWith(".");
}

/**
 * A manifest as `--check` compares it: the hashes of the sources left out. An edit that changes
 * no output (a comment, a function body) changes a source hash; the outputs, their hashes and the
 * list of sources still say whether the compiled files are current.
 */
function withoutSourceHashes(text: string): string {
  try {
    const m = JSON.parse(text) as Manifest;
    return JSON.stringify({ ...m, sources: Object.keys(m.sources ?? {}).sort() });
  } catch {
    return text;
  }
}

function readManifest(outDir: string): Manifest | undefined {
  const text = readIfExists(path.join(outDir, MANIFEST));
  if (text === undefined) return undefined;
  try {
    const m = JSON.parse(text) as Manifest;
    return m && typeof m.files === "object" && m.files !== null ? m : undefined;
  } catch {
    return undefined;
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => cmp(a, b)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
