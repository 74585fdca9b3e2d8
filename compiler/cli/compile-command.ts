/** `weft compile`: emit graphs, plans, diagrams and schemas; `--check` for CI; `--watch`. */
import { existsSync, readdirSync, statSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";
import pc from "picocolors";
import { compile, type CompileResult } from "../compile.js";
import { hasErrors } from "../diagnostics.js";
import { WeftProject } from "../project.js";
import { printDiagnostics, type CliIO } from "./output.js";
import { isTaskFile } from "./task-file.js";

/** Options of `weft compile`. */
export interface CompileCommandOptions {
  out: string;
  check?: boolean;
  watch?: boolean;
  root?: string;
  tsconfig?: string;
  /** Ends `--watch` (default: SIGINT). */
  signal?: AbortSignal;
}

/** Runs `weft compile` once (or until interrupted, with `--watch`); resolves to the exit code. */
export async function compileCommand(
  paths: string[],
  options: CompileCommandOptions,
  io: CliIO,
): Promise<number> {
  const taskFiles = paths.filter(isTaskFile);
  if (taskFiles.length > 0) {
    const { compileTaskFiles } = await import("./tasks-command.js");
    const taskCode = await compileTaskFiles(taskFiles, options.out, options.check === true, io);
    paths = paths.filter((p) => !taskFiles.includes(p));
    if (paths.length === 0 || taskCode !== 0) return taskCode;
  }
  const session = new WeftProject({ root: options.root, tsconfig: options.tsconfig });
  const once = async (): Promise<number> => {
    const started = Date.now();
    const result = await compile(session, { paths, out: options.out, check: options.check });
    report(result, options.check === true, Date.now() - started, io);
    if (hasErrors(result.diagnostics)) return 1;
    return options.check && result.stale.length > 0 ? 1 : 0;
  };
  const code = await once();
  if (!options.watch) return code;
  return watchAndRecompile(session, paths, options.out, once, io, options.signal);
}

function report(result: CompileResult, check: boolean, ms: number, io: CliIO): void {
  printDiagnostics(result.diagnostics, io.out);
  if (hasErrors(result.diagnostics)) {
    io.out.write(`${pc.red("nothing written")}: fix the errors above\n`);
    return;
  }
  const out = path.relative(process.cwd(), result.outDir) || ".";
  const n = result.workflows.length;
  const what = `${n} workflow${n === 1 ? "" : "s"}`;
  if (check) {
    if (result.stale.length === 0) {
      io.out.write(`${pc.green("up to date")}: ${what} in ${out}\n`);
    } else {
      io.out.write(
        `${pc.red("stale")}: ${result.stale.length} file${result.stale.length === 1 ? "" : "s"} in ${out} differ from the sources; run weft compile\n`,
      );
      for (const f of result.stale) io.out.write(`  ${path.join(out, f)}\n`);
    }
    return;
  }
  const parts = [`${result.written.length} written`, `${result.unchanged.length} unchanged`];
  if (result.removed.length > 0) parts.push(`${result.removed.length} removed`);
  io.out.write(`compiled ${what} into ${out} (${parts.join(", ")}) in ${ms} ms\n`);
  for (const w of [...result.workflows].sort((a, b) => (a.graph.name < b.graph.name ? -1 : 1))) {
    io.out.write(`  ${w.graph.name}  ${pc.dim(`${w.file} (${w.exportName})`)}\n`);
  }
}

/**
 * Recompiles whenever a source file under `paths` (or a module they import) changes, until SIGINT
 * or `signal`. Every folder is watched on its own, not recursively and not file by file: Node's
 * recursive watch on Linux, like a watch on a file, loses a file that an editor's atomic save
 * (write a copy, rename it over the file) or `sed -i` replaces, and misses later writes to it.
 */
function watchAndRecompile(
  session: WeftProject,
  paths: string[],
  out: string,
  once: () => Promise<number>,
  io: CliIO,
  signal?: AbortSignal,
): Promise<number> {
  const outDir = path.resolve(session.root, out);
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let afterEach = (): void => {};
  const schedule = (file: string | null): void => {
    if (file && !/\.(ts|tsx|mts|cts)$/.test(file)) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(async () => {
        io.out.write(
          `\n${pc.dim(new Date().toLocaleTimeString())} change detected, recompiling...\n`,
        );
        await once();
        afterEach();
        io.out.write(pc.dim("watching for changes (Ctrl-C to stop)\n"));
      });
    }, 100);
  };
  const watchedDirs = new Set<string>();
  const watchDir = (dir: string): void => {
    if (watchedDirs.has(dir) || !existsSync(dir)) return;
    watchedDirs.add(dir);
    watchers.push(
      watch(dir, (event, name) => {
        if (!name) return schedule(null);
        const full = path.resolve(dir, name);
        if (full === outDir || full.startsWith(outDir + path.sep)) return;
        // A folder created under a watched one is watched from now on.
        if (event === "rename" && statSync(full, { throwIfNoEntry: false })?.isDirectory()) {
          watchTree(full);
        }
        schedule(name);
      }),
    );
  };
  const watchTree = (dir: string): void => {
    watchDir(dir);
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === "node_modules" || entry.name.startsWith(".")) {
        continue;
      }
      const sub = path.join(dir, entry.name);
      if (sub !== outDir) watchTree(sub);
    }
  };
  const roots = (paths.length > 0 ? paths : ["."])
    .map((p) => path.resolve(session.root, p))
    .filter((p) => existsSync(p));
  for (const full of roots) {
    if (statSync(full).isDirectory()) watchTree(full);
    else watchDir(path.dirname(full));
  }
  // Imported helpers outside the compiled paths change workflow types too: watch their folders.
  const watchImports = (): void => {
    for (const file of session.trackedFiles()) watchDir(path.dirname(file));
  };
  watchImports();
  afterEach = watchImports;
  io.out.write(pc.dim("watching for changes (Ctrl-C to stop)\n"));
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      signal?.removeEventListener("abort", stop);
      for (const w of watchers) w.close();
      if (timer) clearTimeout(timer);
      void running.then(() => resolve(0));
    };
    process.once("SIGINT", stop);
    signal?.addEventListener("abort", stop, { once: true });
  });
}
