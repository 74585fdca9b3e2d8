/**
 * The `weft` command line: compile, run, runs, viz, validate. Each command's module is imported
 * when it runs, so `weft --help` or `weft run` of a compiled graph never loads the compiler
 * (ts-morph, TypeScript).
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { CliError, processIO, type CliIO } from "./output.js";
import { withPeer } from "./peers.js";
import { registerWorkerCommand } from "./worker-command.js";

/**
 * Runs the CLI with `argv` (as `process.argv`: node, script, args...) and resolves to the exit
 * code. Errors are printed, never thrown.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(["node", "weft", "compile", "examples", "--out", "examples/out"]);
 * ```
 */
export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
  let code = 0;
  const program = new Command("weft")
    .description("Type-safe DAG and state-machine workflows: compile, run, draw and validate them.")
    .version(packageVersion(), "-v, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
    })
    .showHelpAfterError("(run weft --help for usage)");

  program
    .command("compile")
    .description(
      "find exported workflows without running them and write graphs, plans, diagrams and input schemas",
    )
    .argument(
      "[paths...]",
      "files and folders to compile (default: the current folder); task workflow files (.yaml) too",
    )
    .requiredOption("-o, --out <dir>", "output folder")
    .option("--check", "write nothing; exit 1 and list the output files that are stale")
    .option("-w, --watch", "recompile when a source file changes")
    .option(
      "--root <dir>",
      "project root that paths in the output are relative to (default: the current folder)",
    )
    .option(
      "-p, --tsconfig <file>",
      "tsconfig.json to take compiler options from (default: <root>/tsconfig.json)",
    )
    .action(async (paths: string[], opts) => {
      const { compileCommand } = await withPeer(
        "ts-morph",
        "weft compile",
        () => import("./compile-command.js"),
      );
      code = await compileCommand(paths, opts, io);
    });

  program
    .command("run")
    .description(
      "validate the input against the workflow's input type, run it, and print the run record as JSON",
    )
    .argument(
      "<file>",
      "TypeScript or JavaScript module exporting the workflow, a graph file from weft compile (with --registry), or a task workflow (.yaml)",
    )
    .option("--workflow <name>", "workflow (or export) name when the file has several")
    .option(
      "--registry <module>",
      "for a graph file: the module exporting its node functions by name",
    )
    .option("--input <json>", "run input as JSON")
    .option("--input-file <file>", "file holding the run input as JSON")
    .option("--max-input-bytes <bytes>", "refuse a larger input before reading it (default 10 MB)")
    .option("--mode <mode>", "sequential | parallel | threads")
    .option("--concurrency <n>", "most nodes running at once")
    .option("--trace <file>", "write a Chrome trace-event file (open in Perfetto)")
    .option("--checkpoint <file>", "journal node completions to this SQLite file")
    .option(
      "--resume [runId]",
      "finish a checkpointed run (needs --checkpoint; task files: the latest unfinished run by default)",
    )
    .option(
      "--run-id <id>",
      "id of the new run (default: a random UUID); task files: the run --status/--cancel act on",
    )
    .option("--no-progress", "plain progress lines even on a terminal")
    .option(
      "--dry-run",
      "task files: print the plan (levels, matrix, commands, env) and run nothing",
    )
    .option("--parallelism <n>", "task files: most tasks running at once")
    .option("--timeout <seconds>", "task files: whole-run time limit")
    .option("--output <file>", "task files: write the results as JSON to this file")
    .option("--status", "task files: show a run recorded in --checkpoint")
    .option("--cancel", "task files: cancel a run recorded in --checkpoint")
    .option(
      "--allow-version-change",
      "with --resume: resume even when a node's function now resolves to another registry version",
    )
    .option(
      "--actor <name>",
      "who runs (resumes, cancels), for the checkpoint's audit trail (default: $WEFT_ACTOR, else the OS user)",
    )
    .option("--redis <url>", "run on distributed workers (weft worker) through this Redis")
    .option("--prefix <prefix>", "with --redis: key prefix shared with the workers", "weft")
    .option(
      "--break <node[:condition]>",
      "pause before this node (or FSM state), when the condition holds: an interactive debug session on stdin (repeatable)",
      (value: string, list: string[] = []) => [...list, value],
    )
    .action(async (file: string, opts) => {
      const { runCommand } = await import("./run-command.js");
      code = await runCommand(file, opts, io);
    });
  registerWorkerCommand(program, io, (c) => (code = c));

  const runs = program
    .command("runs")
    .description("list and show the runs journaled in a checkpoint file (weft run --checkpoint)");
  runs
    .command("list")
    .description("one line per run, newest first")
    .requiredOption("--checkpoint <file>", "the SQLite checkpoint file")
    .option("--workflow <name>", "only runs of this workflow")
    .option("--status <status>", "only runs with this status (running, completed, failed, ...)")
    .action(async (opts) => {
      const { runsListCommand } = await import("./runs-command.js");
      code = runsListCommand(opts, io);
    });
  runs
    .command("show")
    .description("a run's status and journal, one line per node")
    .argument("<runId>", "the run's id (weft runs list shows them)")
    .requiredOption("--checkpoint <file>", "the SQLite checkpoint file")
    .action(async (runId: string, opts) => {
      const { runsShowCommand } = await import("./runs-command.js");
      code = runsShowCommand(runId, opts, io);
    });

  program
    .command("audit")
    .description(
      "print and verify the hash-chained audit trail of a checkpoint file (who did what to which run)",
    )
    .option("--checkpoint <file>", "the SQLite checkpoint file")
    .option("--redis <url>", "or: a Redis checkpoint store (redisStore)")
    .option("--prefix <prefix>", "with --redis: the store's key prefix", "weft")
    .option("--run <id>", "only this run's entries (--verify still checks the whole chain)")
    .option("--verify", "check the hash chain; exit 1 naming the first broken entry")
    .option("--json", "print the entries (and the verdict) as JSON")
    .action(async (opts) => {
      const { auditCommand } = await import("./audit-command.js");
      code = await auditCommand(opts, io);
    });

  program
    .command("viz")
    .description("draw a workflow from source (read without running it) or from a graph file")
    .argument("<file>", "TypeScript module, or a .graph.json / .graph.yaml file")
    .option(
      "-f, --format <format>",
      "mermaid | dot | svg | html (default: from the --out extension, else mermaid)",
    )
    .option("--workflow <name>", "workflow (or export) name when the file has several")
    .option("--run <file>", "overlay a run record (the JSON weft run prints)")
    .option("-o, --out <file>", "write to this file instead of stdout")
    .action(async (file: string, opts) => {
      const { vizCommand } = await import("./viz-command.js");
      code = await vizCommand(file, opts, io);
    });

  program
    .command("validate")
    .description("check workflows in source, or graph files, and report problems")
    .argument("<files...>", "TypeScript modules, .json or .yaml graph files")
    .option(
      "--registry <module>",
      "graph files: resolve each node's function (and version range) against this module's registry, running nothing",
    )
    .action(async (files: string[], opts: { registry?: string }) => {
      const { validateCommand } = await import("./validate-command.js");
      code = await validateCommand(files, io, opts);
    });

  program
    .command("serve")
    .description("serve workflows over HTTP: runs, live events and pages, diagrams, metrics")
    .argument("<files...>", "TypeScript modules exporting workflows")
    .option("--port <n>", "port to listen on (0: any free port)", "8080")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--checkpoint <file>", "SQLite file for runs (survive restarts; resumed after a crash)")
    .option(
      "--token <token>",
      "bearer token (repeatable; NAME=TOKEN names it in the audit log)",
      (v: string, all: string[] = []) => [...all, v],
    )
    .option("--audit <file>", "append the audit log (JSON lines) here instead of stderr")
    .option("--body-limit <bytes>", "largest request body")
    .option("--no-resume", "leave runs a crashed server left unfinished as 'interrupted'")
    .option("--redis <url>", "run workflows on the distributed engine on this Redis")
    .option("--prefix <prefix>", "key prefix on Redis (with --redis; default weft)")
    .option("--no-worker", "with --redis: only enqueue; `weft worker` processes run the jobs")
    .option("--concurrency <n>", "with --redis: jobs the in-process worker runs at once")
    .action(async (files: string[], opts) => {
      const { serveCommand } = await withPeer(
        "ts-morph",
        "weft serve",
        () => import("./serve-command.js"),
      );
      code = await serveCommand(files, opts, io);
    });

  program
    .command("timers")
    .description(
      "fire due deadlines of waiting runs (timed-out waits, finished sleeps); run it on a schedule",
    )
    .argument("<files...>", "TypeScript modules exporting the workflows of those runs")
    .requiredOption("--checkpoint <file>", "the SQLite store the runs were journaled to")
    .option("--json", "print the report as JSON")
    .action(async (files: string[], opts) => {
      const { timersCommand } = await import("./timers-command.js");
      code = await timersCommand(files, opts, io);
    });

  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help"
        ? 0
        : err.exitCode || 1;
    }
    if (err instanceof CliError) {
      io.err.write(`error: ${err.message}\n`);
      return err.exitCode;
    }
    io.err.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

/** The version in weft's package.json. */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
