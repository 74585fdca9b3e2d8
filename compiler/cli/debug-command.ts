/**
 * `weft run FILE --break NODE [--break 'NODE:CONDITION']`: an interactive debug session in the
 * terminal, read line by line with node:readline (a terminal or piped stdin). Conditions and
 * `print` expressions use the task workflows' safe expression language (never eval); their names
 * are `args` (the paused node's arguments, or an FSM's input), `ctx`, `input` and `results`.
 *
 * Commands: continue (c), step (s), print (p) EXPR|NODE, args, results, quit (q), help (h).
 * The session's messages go to stderr; the final run record is printed as JSON on stdout.
 */
import readline from "node:readline";
import { runRecordToJson } from "../../src/serialize/run-record.js";
import { ExpressionError, evaluate, parseExpression, truthy } from "../../src/tasks/expression.js";
import type { Expr } from "../../src/tasks/expression.js";
import type { RunRecord } from "../../src/run/types.js";
import { CliError, type CliIO } from "./output.js";

/** A finished run as the session prints it. */
interface Outcome {
  status: string;
  toJSON(): RunRecord;
}

interface Pause {
  paused: true;
  node: string;
  args: unknown;
  ctx: unknown;
  index: number;
  conditionError?: unknown;
}

/** The session as the CLI drives it (DAGs and function-return machines). */
interface Session {
  continue(): Promise<Pause | Outcome>;
  step(): Promise<Pause | Outcome>;
  setArgs(args: unknown): void;
  results(): Record<string, unknown>;
  abort(): Promise<Outcome>;
}

/** A workflow that can be debugged. */
export interface Debuggable {
  graph: { name: string; kind: string; nodes: { name: string }[] };
  debug(
    input: unknown,
    options: {
      breakpoints: (string | { node: string; when: (args: unknown, ctx: unknown) => boolean })[];
    } & Record<string, unknown>,
  ): Session;
}

const HELP = `commands:
  continue, c        run to the next breakpoint or the end
  step, s            run the paused node and pause before the next
  print, p EXPR      a node's result (p clean) or an expression (p args.rows.length > 0)
  args               the paused node's arguments
  results            results of the nodes completed so far
  quit, q            abort the run and print its record
  help, h            this list
expressions read args, ctx, input and results: args.path.endsWith(".gz") && ctx.node == "load"`;

/** Parses `--break` values: `NODE` or `NODE:CONDITION`. */
export function parseBreaks(
  values: readonly string[],
): { node: string; condition?: Expr; text?: string }[] {
  return values.map((value) => {
    const colon = value.indexOf(":");
    if (colon < 0) return { node: value.trim() };
    const node = value.slice(0, colon).trim();
    const text = value.slice(colon + 1);
    try {
      return { node, condition: parseExpression(text), text };
    } catch (e) {
      if (e instanceof ExpressionError) {
        throw new CliError(
          `--break '${value}': ${e.message} at column ${colon + 2 + e.offset} of the condition '${text}'`,
        );
      }
      throw e;
    }
  });
}

/** Runs the interactive session; resolves to the exit code. */
export async function debugCommand(
  workflow: Debuggable,
  input: unknown,
  breaks: readonly string[],
  runOptions: Record<string, unknown>,
  io: CliIO,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const parsed = parseBreaks(breaks);
  const say = (text: string): void => {
    io.err.write(`${text}\n`);
  };
  const known = workflow.graph.nodes.map((n) => n.name);
  let session: Session;
  try {
    session = workflow.debug(input, {
      ...runOptions,
      breakpoints: parsed.map((b) => {
        const condition = b.condition;
        if (condition === undefined) return b.node;
        return {
          node: b.node,
          when: (args: unknown, ctx: unknown) => truthy(evaluate(condition, { args, ctx, input })),
        };
      }),
    });
  } catch (e) {
    throw new CliError(`--break: ${(e as Error).message}`);
  }
  const kind = workflow.graph.kind === "dag" ? "node" : "state";
  say(
    `debugging ${kind === "node" ? "workflow" : "machine"} '${workflow.graph.name}' (${known.length} ${kind}s); breakpoints: ${
      parsed.length
        ? parsed.map((b) => (b.text ? `${b.node} when ${b.text.trim()}` : b.node)).join(", ")
        : "none"
    }. Type help for commands.`,
  );
  let paused: Pause | undefined;
  let ended: Outcome | undefined;
  // One line per value: a terminal scrolls less, and piped output stays greppable.
  const show = (v: unknown): string => {
    try {
      return (
        JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x)) ?? "undefined"
      );
    } catch {
      return String(v);
    }
  };

  const report = (s: Pause | Outcome): void => {
    if ("paused" in s) {
      paused = s;
      const why =
        s.conditionError !== undefined
          ? ` (its condition threw: ${(s.conditionError as Error).message ?? String(s.conditionError)})`
          : "";
      say(`paused before ${kind} '${s.node}' (#${s.index + 1})${why}`);
    } else {
      paused = undefined;
      ended = s;
      say(`run ended: ${s.status}`);
    }
  };
  const rl = readline.createInterface({ input: stdin, terminal: false });
  // Taken now: lines read before the iterator exists would be lost (piped input arrives at once).
  const lines = rl[Symbol.asyncIterator]();
  const prompt = (): void => {
    io.err.write("(weft) ");
  };
  // The first stop: the run goes to the first breakpoint (or the end) before any command.
  report(await session.continue());
  if (!ended) prompt();
  try {
    for (;;) {
      const next = await lines.next();
      if (next.done === true) break;
      const raw = next.value;
      if (ended) break;
      const line = raw.trim();
      if (line === "") {
        prompt();
        continue;
      }
      const space = line.search(/\s/);
      const cmd = space < 0 ? line : line.slice(0, space);
      const rest = space < 0 ? "" : line.slice(space + 1).trim();
      switch (cmd) {
        case "c":
        case "continue":
          report(await session.continue());
          break;
        case "s":
        case "step":
          report(await session.step());
          break;
        case "args":
          say(paused ? show(paused.args) : "not paused");
          break;
        case "results":
          say(show(session.results()));
          break;
        case "p":
        case "print":
          say(print(rest, paused, session, input, known, show));
          break;
        case "q":
        case "quit":
          report(await session.abort());
          break;
        case "h":
        case "help":
          say(HELP);
          break;
        default:
          say(`unknown command '${cmd}'; type help for the commands`);
      }
      if (ended) break;
      prompt();
    }
  } finally {
    rl.close();
  }
  // Input ended (end of file) with the run paused: it is aborted, never left hanging.
  if (!ended) {
    say("end of input: aborting the run");
    report(await session.abort());
  }
  const outcome = ended as unknown as Outcome;
  io.out.write(runRecordToJson(outcome.toJSON()));
  return outcome.status === "completed" ||
    outcome.status === "stopped" ||
    outcome.status === "terminal"
    ? 0
    : 1;
}

function print(
  what: string,
  paused: Pause | undefined,
  session: Session,
  input: unknown,
  known: readonly string[],
  show: (v: unknown) => string,
): string {
  if (what === "") return "print needs a node name or an expression: p clean, p args.rows";
  const results = session.results();
  if (Object.prototype.hasOwnProperty.call(results, what)) return show(results[what]);
  if (known.includes(what)) return `'${what}' has no result yet`;
  let expr: Expr;
  try {
    expr = parseExpression(what);
  } catch (e) {
    if (e instanceof ExpressionError)
      return `cannot read '${what}': ${e.message} at column ${e.offset + 1}`;
    throw e;
  }
  return show(evaluate(expr, { args: paused?.args, ctx: paused?.ctx, input, results }));
}
