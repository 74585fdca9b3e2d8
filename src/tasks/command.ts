/**
 * What a task runs: the interpreter for a script (by extension) or a shell for `run`, with the
 * memory limit applied the way the program allows (V8 heap for node, address space otherwise).
 */
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { ProcessSpec } from "./process.js";

/** How `memory_mb` is enforced for a task. */
export type MemoryLimit =
  /** V8's `--max-old-space-size` (node and tsx scripts, and NODE_OPTIONS of commands). */
  | "node-heap"
  /** The address-space rlimit (`prlimit --as`), for everything else. */
  | "address-space"
  /** Nothing could enforce it here (no prlimit). */
  | "none";

/** A resolved command line and how its memory is limited. */
export interface ResolvedCommand extends ProcessSpec {
  memory?: MemoryLimit;
}

let prlimitPath: string | null | undefined;

/** The `prlimit` binary, if the machine has one (util-linux). */
export function findPrlimit(): string | undefined {
  if (prlimitPath === undefined) {
    prlimitPath = null;
    for (const dir of (process.env.PATH ?? "").split(path.delimiter).concat(["/usr/bin", "/bin"])) {
      const candidate = path.join(dir, "prlimit");
      try {
        accessSync(candidate, constants.X_OK);
        prlimitPath = candidate;
        break;
      } catch {
        // not here
      }
    }
  }
  return prlimitPath ?? undefined;
}

function tsxCli(): string {
  return createRequire(import.meta.url).resolve("tsx/cli");
}

/** True for commands whose program is node (an address-space limit would stop V8 from starting). */
function startsNode(command: string): boolean {
  return /^\s*(?:exec\s+)?(?:node|npx|tsx|npm)(?:\s|$)/.test(command);
}

/**
 * The process to start for a script file or a shell command.
 *
 * @example
 * ```ts
 * resolveCommand({ script: "/p/etl.sh", cwd: "/p", env: {} }).args; // ["/p/etl.sh"] (command "bash")
 * ```
 */
export function resolveCommand(what: {
  script?: string;
  run?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  memoryMb?: number;
}): ResolvedCommand {
  const { cwd, memoryMb } = what;
  const env = { ...what.env };
  let command: string;
  let args: string[];
  let memory: MemoryLimit | undefined;
  const heap = memoryMb !== undefined ? [`--max-old-space-size=${memoryMb}`] : [];
  if (what.script !== undefined) {
    const ext = path.extname(what.script).toLowerCase();
    if (ext === ".js" || ext === ".mjs" || ext === ".cjs") {
      command = process.execPath;
      args = [...heap, what.script];
      memory = memoryMb !== undefined ? "node-heap" : undefined;
    } else if (ext === ".ts" || ext === ".mts") {
      command = process.execPath;
      args = [...heap, tsxCli(), what.script];
      memory = memoryMb !== undefined ? "node-heap" : undefined;
    } else {
      command = ext === ".py" ? "python3" : "bash";
      args = [what.script];
    }
  } else {
    const direct = directCommand(what.run ?? "");
    if (direct) {
      command = direct[0];
      args = direct.slice(1);
    } else {
      command = "bash";
      args = ["-c", what.run ?? ""];
    }
    if (memoryMb !== undefined && startsNode(what.run ?? "")) {
      env.NODE_OPTIONS = `${env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ` : ""}--max-old-space-size=${memoryMb}`;
      memory = "node-heap";
    }
  }
  if (memoryMb !== undefined && memory === undefined) {
    const prlimit = findPrlimit();
    if (prlimit) {
      args = [`--as=${memoryMb * 1024 * 1024}`, "--", command, ...args];
      command = prlimit;
      memory = "address-space";
    } else memory = "none";
  }
  return { command, args, cwd, env, ...(memory ? { memory } : {}) };
}

/** Shell builtins and keywords that have no program of their own (or behave differently as one). */
const SHELL_ONLY = new Set(
  (
    "exit cd export source . set unset ulimit exec eval trap shift return readonly declare local " +
    "typeset alias unalias umask wait read let times hash type command builtin : " +
    "if then else fi for while until do done case esac function select time coproc"
  ).split(" "),
);

/**
 * A `run` command with no shell syntax at all (no quotes, `$`, globs, redirections, `;`, `&`,
 * `|`, `~`, newlines) whose program is not a shell builtin is started directly, split on spaces:
 * the same effect as `bash -c`, without starting a shell. Anything else goes to bash.
 */
export function directCommand(run: string): string[] | undefined {
  const text = run.trim();
  if (text === "" || !/^[A-Za-z0-9_./,:=+@%-]+(?: +[A-Za-z0-9_./,:=+@%-]+)*$/.test(text))
    return undefined;
  const words = text.split(/ +/);
  if (SHELL_ONLY.has(words[0]) || words[0].includes("=")) return undefined;
  return words;
}
