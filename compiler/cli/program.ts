/** The `weft` command line: compile, run, viz, validate. */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { compileCommand } from "./compile-command.js";
import { CliError, processIO, type CliIO } from "./output.js";
import { runCommand } from "./run-command.js";
import { timersCommand } from "./timers-command.js";
import { validateCommand } from "./validate-command.js";
import { vizCommand } from "./viz-command.js";

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
    .argument("[paths...]", "files and folders to compile (default: the current folder)")
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
      code = await compileCommand(paths, opts, io);
    });

  program
    .command("run")
    .description(
      "validate the input against the workflow's input type, run it, and print the run record as JSON",
    )
    .argument("<file>", "TypeScript module exporting the workflow")
    .option("--workflow <name>", "workflow (or export) name when the file has several")
    .option("--input <json>", "run input as JSON")
    .option("--input-file <file>", "file holding the run input as JSON")
    .option("--mode <mode>", "sequential | parallel | threads")
    .option("--concurrency <n>", "most nodes running at once")
    .option("--trace <file>", "write a Chrome trace-event file (open in Perfetto)")
    .option("--checkpoint <file>", "journal node completions to this SQLite file")
    .option("--resume <runId>", "finish a checkpointed run (needs --checkpoint)")
    .option("--no-progress", "plain progress lines even on a terminal")
    .action(async (file: string, opts) => {
      code = await runCommand(file, opts, io);
    });

  program
    .command("viz")
    .description("draw a workflow from source (read without running it) or from a graph file")
    .argument("<file>", "TypeScript module, or a .graph.json / .graph.yaml file")
    .requiredOption("-f, --format <format>", "mermaid | dot | svg | html")
    .option("--workflow <name>", "workflow (or export) name when the file has several")
    .option("--run <file>", "overlay a run record (the JSON weft run prints)")
    .option("-o, --out <file>", "write to this file instead of stdout")
    .action(async (file: string, opts) => {
      code = await vizCommand(file, opts, io);
    });

  program
    .command("validate")
    .description("check workflows in source, or graph files, and report problems")
    .argument("<files...>", "TypeScript modules, .json or .yaml graph files")
    .action((files: string[]) => {
      code = validateCommand(files, io);
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
