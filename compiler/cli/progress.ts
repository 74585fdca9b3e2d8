/**
 * Live progress of `weft run`: on a terminal, one status line redrawn in place (nodes done /
 * total, the nodes running, elapsed time); otherwise one plain line per event, for logs.
 */
import pc from "picocolors";
import type { RunEvent } from "../../src/run/types.js";

/** Receives run events and draws them. */
export interface ProgressDisplay {
  onEvent(event: RunEvent): void;
  /** Clears the live line (call before printing anything else). */
  stop(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Nodes in the workflow (states are counted as they run for machines). */
  total: number | undefined;
  workflow: string;
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Redraw in place; default: whether the stream is a terminal. */
  live?: boolean;
  /** Nodes a resumed run takes from its checkpoint (counted as done from the start). */
  restored?: number;
  /** Command that resumes this run, less the run id (printed with the id when the run starts). */
  resumeHint?: string;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * A progress display for one run.
 *
 * @example
 * ```ts
 * const progress = createProgress({ total: wf.graph.nodes.length, workflow: wf.name, stream: process.stderr });
 * const run = await wf.run(input, { onEvent: (e) => progress.onEvent(e) });
 * progress.stop();
 * ```
 */
export function createProgress(options: ProgressOptions): ProgressDisplay {
  const { stream, total, workflow } = options;
  const live = options.live ?? stream.isTTY === true;
  const started = Date.now();
  const running = new Set<string>();
  const restored = options.restored ?? 0;
  let done = restored;
  let failed = 0;
  let skipped = 0;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  let lastProgress = "";
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const count = (): string =>
    total === undefined ? `${done + skipped + failed}` : `${done + skipped + failed}/${total}`;
  const unit = total === undefined ? "states run" : "nodes";

  const draw = (): void => {
    const current =
      [...running].slice(0, 3).join(", ") + (running.size > 3 ? ` +${running.size - 3}` : "");
    const extra = [failed ? pc.red(`${failed} failed`) : "", skipped ? `${skipped} skipped` : ""]
      .filter(Boolean)
      .join(", ");
    const line =
      `${pc.cyan(SPINNER[frame++ % SPINNER.length])} ${workflow}  ${count()} ${unit}` +
      (extra ? ` (${extra})` : "") +
      (current ? `  ${pc.dim("running")} ${current}` : "") +
      (lastProgress ? `  ${pc.dim(lastProgress)}` : "") +
      `  ${pc.dim(elapsed())}`;
    stream.write(`\r\x1b[K${line}`);
  };
  const plain = (text: string): void => {
    stream.write(`[${elapsed()}] ${text}\n`);
  };

  if (live) {
    timer = setInterval(draw, 100);
    timer.unref();
  }
  return {
    onEvent(event) {
      switch (event.type) {
        case "run-start": {
          // The id is printed in both modes: it is what --resume and `weft runs show` take.
          const size = total === undefined ? "" : ` (${total} nodes)`;
          const line =
            options.restored !== undefined
              ? `run ${event.runId} of ${event.workflow} resumed: ${restored} node${restored === 1 ? "" : "s"} restored from the checkpoint${size}`
              : `run ${event.runId} of ${event.workflow} started${size}`;
          if (live) stream.write(`\r\x1b[K${line}\n`);
          else plain(line);
          if (options.resumeHint) {
            const hint = `if interrupted, resume with: ${options.resumeHint} ${event.runId}`;
            if (live) stream.write(`${pc.dim(hint)}\n`);
            else plain(hint);
          }
          break;
        }
        case "node-start":
          running.add(event.node);
          if (!live)
            plain(`${event.node} started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}`);
          break;
        case "node-complete":
          running.delete(event.node);
          done++;
          if (!live)
            plain(
              `${event.node} completed in ${Math.round(event.ms)} ms${event.cached ? " (cached)" : ""} [${count()}]`,
            );
          break;
        case "node-skip":
          running.delete(event.node);
          skipped++;
          if (!live) plain(`${event.node} skipped: ${event.reason} [${count()}]`);
          break;
        case "node-fail":
          running.delete(event.node);
          failed++;
          if (!live) plain(`${event.node} failed: ${event.error.message} [${count()}]`);
          break;
        case "node-retry":
          if (!live)
            plain(
              // The event carries the attempt about to start; the one that failed is the one before.
              `${event.node} attempt ${event.attempt - 1} failed (${event.error.message}); retrying in ${Math.round(event.delayMs)} ms`,
            );
          break;
        case "progress": {
          const p = event.progress;
          const text = p.message ?? (p.total !== undefined ? `${p.done ?? 0}/${p.total}` : "");
          lastProgress = text ? `${event.node}: ${text}` : "";
          if (!live && text) plain(`${event.node}: ${text}`);
          break;
        }
        case "node-items":
          // A stream's running count: on the live line, and once at its end otherwise.
          lastProgress = `${event.node}: ${event.items.toLocaleString("en-US")} items`;
          if (!live && event.done) plain(lastProgress);
          break;
        case "run-complete":
          if (!live) plain(`run ${event.status} in ${Math.round(event.ms)} ms`);
          break;
      }
      if (live) draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (live) {
        stream.write("\r\x1b[K");
        const status = failed > 0 ? pc.red("✖") : pc.green("✔");
        stream.write(`${status} ${workflow}  ${count()} ${unit}  ${elapsed()}\n`);
      }
    },
  };
}
