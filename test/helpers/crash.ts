/** Crash tests: run a script in a child process and kill it hard part way through. */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** The non-empty lines of a file (none when it does not exist yet). */
export function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, "utf8").trim().split("\n").filter(Boolean) : [];
}

/**
 * Runs `node --import tsx SCRIPT ...args` and SIGKILLs it once `logPath` has `afterLines` lines
 * (the script's side effects); resolves when the process is gone.
 */
export async function killAfterLines(
  script: string,
  args: string[],
  logPath: string,
  afterLines: number,
): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: "ignore" });
  const exited = new Promise((r) => child.once("exit", r));
  await new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (lines(logPath).length >= afterLines) {
        clearInterval(poll);
        child.kill("SIGKILL");
        resolve();
      } else if (Date.now() - started > 30_000) {
        clearInterval(poll);
        child.kill("SIGKILL");
        reject(new Error(`${script} made no progress`));
      }
    }, 5);
  });
  await exited;
}

/** The nodes a stored run journaled as completed, and its status, after the kill. */
export function journaledBefore(
  run: { status: string; entries: { node: string; status: string }[] } | undefined,
): {
  status: string | undefined;
  journaled: string[];
} {
  return {
    status: run?.status,
    journaled: (run?.entries ?? []).filter((e) => e.status === "completed").map((e) => e.node),
  };
}
