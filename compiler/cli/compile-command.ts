/** `weft compile`: emit graphs, plans, diagrams and schemas; `--check` for CI; `--watch`. */
import { existsSync, statSync, watch, type FSWatcher } from "node:fs";
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
  return watchAndRecompile(session, paths, options.out, once, io);
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

/** Recompiles whenever a source file under `paths` changes, until SIGINT. */
function watchAndRecompile(
  session: WeftProject,
  paths: string[],
  out: string,
  once: () => Promise<number>,
  io: CliIO,
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
  const onChange = (dir: string) => (_event: string, name: string | null) => {
    if (name && path.resolve(dir, name).startsWith(outDir)) return;
    schedule(name);
  };
  const roots = (paths.length > 0 ? paths : ["."])
    .map((p) => path.resolve(session.root, p))
    .filter((p) => existsSync(p));
  for (const full of roots) {
    watchers.push(
      watch(
        full,
        { recursive: true },
        onChange(statSync(full).isDirectory() ? full : path.dirname(full)),
      ),
    );
  }
  // Imported helpers outside the compiled paths change workflow types too: watch their folders.
  const watchedDirs = new Set<string>();
  const watchImports = (): void => {
    const covered = (dir: string) =>
      roots.some((full) => dir === full || dir.startsWith(full + path.sep));
    for (const file of session.trackedFiles()) {
      const dir = path.dirname(file);
      if (watchedDirs.has(dir) || covered(dir) || !existsSync(dir)) continue;
      watchedDirs.add(dir);
      watchers.push(watch(dir, onChange(dir)));
    }
  };
  watchImports();
  afterEach = watchImports;
  io.out.write(pc.dim("watching for changes (Ctrl-C to stop)\n"));
  return new Promise((resolve) => {
    process.once("SIGINT", () => {
      for (const w of watchers) w.close();
      if (timer) clearTimeout(timer);
      resolve(0);
    });
  });
}
