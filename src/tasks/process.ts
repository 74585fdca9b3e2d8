/**
 * Running one task process: spawned in its own process group so a timeout or a cancellation
 * ends the whole tree (`kill(-pgid)`), with the tails of its output kept and every line passed
 * on as it arrives.
 */
import { spawn } from "node:child_process";
import { TAIL_BYTES } from "./types.js";

/** What to start. */
export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** How a process ended. */
export interface ProcessOutcome {
  /** `null` when a signal ended it or it never started. */
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Set when the process could not be started, or was stopped by the abort signal. */
  error?: string;
  aborted: boolean;
}

/** Options of {@link runProcess}. */
export interface RunProcessOptions {
  signal?: AbortSignal;
  /** Each complete line of output, as it arrives (no trailing newline). */
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  /** After SIGTERM, how long the tree may take before SIGKILL (default 2000 ms). */
  killGraceMs?: number;
}

/** Process groups started and not yet ended; killed if weft itself exits. */
const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const pgid of live) killGroup(pgid, "SIGKILL");
  });
}

/** Sends `sig` to every process of group `pgid`; false when the group is gone. */
export function killGroup(pgid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Keeps the last `TAIL_BYTES` characters of a stream, and splits it into lines. */
class Tail {
  text = "";
  private partial = "";
  constructor(private readonly onLine?: (line: string) => void) {}
  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-TAIL_BYTES);
    if (!this.onLine) return;
    const parts = (this.partial + chunk).split("\n");
    this.partial = parts.pop() ?? "";
    for (const line of parts) this.onLine(line);
  }
  end(): void {
    if (this.partial && this.onLine) this.onLine(this.partial);
    this.partial = "";
  }
}

/**
 * Runs a process to its end. Never rejects: a process that cannot start resolves with `error`.
 * When `signal` aborts, the process group gets SIGTERM, then SIGKILL after the grace period, and
 * the group is killed again once the leader is gone (children that ignored SIGTERM included).
 *
 * @example
 * ```ts
 * const r = await runProcess({ command: "bash", args: ["-c", "echo hi"], cwd: ".", env: process.env });
 * r.exitCode; // 0
 * r.stdout;   // "hi\n"
 * ```
 */
export function runProcess(
  spec: ProcessSpec,
  options: RunProcessOptions = {},
): Promise<ProcessOutcome> {
  installExitHook();
  const started = performance.now();
  const { signal } = options;
  return new Promise((resolve) => {
    const out = new Tail(options.onLine && ((l) => options.onLine?.("stdout", l)));
    const err = new Tail(options.onLine && ((l) => options.onLine?.("stderr", l)));
    let aborted = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pgid = child.pid;
    if (pgid !== undefined) live.add(pgid);
    child.stdout.setEncoding("utf8").on("data", (c: string) => out.push(c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => err.push(c));
    const onAbort = (): void => {
      if (pgid === undefined || aborted) return;
      aborted = true;
      killGroup(pgid, "SIGTERM");
      killTimer = setTimeout(() => killGroup(pgid, "SIGKILL"), options.killGraceMs ?? 2000);
      killTimer.unref();
    };
    const finish = (code: number | null, sig: string | null, error?: string): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (killTimer) clearTimeout(killTimer);
      if (pgid !== undefined) {
        // An aborted task leaves nothing behind: whatever of its tree survived SIGTERM goes now.
        if (aborted) killGroup(pgid, "SIGKILL");
        live.delete(pgid);
      }
      out.end();
      err.end();
      resolve({
        exitCode: code,
        signal: sig,
        stdout: out.text,
        stderr: err.text,
        durationMs: performance.now() - started,
        aborted,
        ...(error !== undefined ? { error } : {}),
      });
    };
    child.once("error", (e) => finish(null, null, `cannot start '${spec.command}': ${e.message}`));
    child.once("exit", (code, sig) => {
      // Output may still be in the pipes; wait for them, but not for stray children holding them.
      let done = false;
      const end = (): void => {
        if (done) return;
        done = true;
        finish(code, sig);
      };
      child.once("close", end);
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        end();
      }, 200).unref();
    });
    if (signal) {
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
  });
}
