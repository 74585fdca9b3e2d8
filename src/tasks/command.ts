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
    command = "bash";
    args = ["-c", what.run ?? ""];
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
