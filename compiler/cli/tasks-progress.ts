/**
 * Progress of a task workflow run. On a terminal (and up to {@link LIVE_LIMIT} nodes): a listr2
 * task list, one line per task with its state and its latest output line. Otherwise: plain
 * lines, each task's output prefixed with its name; every line is written whole in one call, so
 * the output of tasks running at once interleaves by line, never inside one.
 */
import {
  DefaultRenderer,
  Listr,
  ListrLogger,
  ProcessOutput,
  SimpleRenderer,
  type ListrTaskWrapper,
} from "listr2";
import pc from "picocolors";
import type { RunEvent } from "../../src/run/types.js";
import type { TaskRunResult } from "../../src/tasks/run.js";
import type { TaskResult, TaskWorkflow } from "../../src/tasks/types.js";

/** Most nodes drawn as a live list; larger workflows get plain lines. */
export const LIVE_LIMIT = 60;

/** Receives what a run reports and draws it. */
export interface TaskProgress {
  onEvent(e: RunEvent): void;
  onOutput(node: string, stream: "stdout" | "stderr", line: string): void;
  onResult(r: TaskResult): void;
  /** Ends the display and prints a summary line. */
  stop(result: TaskRunResult): Promise<void>;
}

type Wrapper = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof SimpleRenderer>;

type Stream = NodeJS.WritableStream & { isTTY?: boolean };

/** A progress display for a run of `wf`. */
export function createTaskProgress(
  wf: TaskWorkflow,
  options: { stream: Stream; live?: boolean },
): TaskProgress {
  const live =
    (options.live ?? options.stream.isTTY === true) && wf.graph.nodes.length <= LIVE_LIMIT;
  return live ? listrProgress(wf, options.stream) : plainProgress(wf, options.stream);
}

function summary(result: TaskRunResult): string {
  const all = Object.values(result.tasks);
  const count = (s: string): number => all.filter((r) => r.status === s).length;
  const mark = result.status === "succeeded" ? pc.green("✔") : pc.red("✖");
  return `${mark} ${result.workflow}: ${result.status} — ${count("completed")} completed, ${count("failed")} failed, ${count("skipped")} skipped in ${(result.durationMs / 1000).toFixed(1)}s (run ${result.runId})\n`;
}

function plainProgress(wf: TaskWorkflow, stream: Stream): TaskProgress {
  const width = Math.min(24, Math.max(...wf.graph.nodes.map((n) => n.name.length)));
  const latest = new Map<string, TaskResult>();
  const line = (node: string, text: string): void => {
    stream.write(`${pc.dim(node.padEnd(width))} | ${text}\n`);
  };
  return {
    onEvent(e) {
      switch (e.type) {
        case "node-start":
          if (wf.nodes.get(e.node)?.kind !== "join")
            line(e.node, pc.cyan(e.attempt > 1 ? `started (attempt ${e.attempt})` : "started"));
          break;
        case "node-complete": {
          const r = latest.get(e.node);
          if (r?.skipped) line(e.node, pc.yellow(`skipped: ${r.reason ?? ""}`));
          else line(e.node, pc.green(`completed in ${Math.round(e.ms)} ms`));
          break;
        }
        case "node-skip":
          line(e.node, pc.yellow(`skipped: ${e.reason}`));
          break;
        case "node-fail":
          line(
            e.node,
            pc.red(
              `failed: ${e.error.cause instanceof Error ? e.error.cause.message : e.error.message}`,
            ),
          );
          break;
        case "node-retry":
          line(e.node, pc.yellow(`attempt ${e.attempt} failed; retrying in ${e.delayMs} ms`));
          break;
      }
    },
    onOutput(node, s, text) {
      line(node, s === "stderr" ? pc.red(text) : text);
    },
    onResult(r) {
      latest.set(r.task, r);
    },
    stop(result) {
      stream.write(summary(result));
      return Promise.resolve();
    },
  };
}

interface Slot {
  wrapper?: Wrapper;
  resolve(outcome: { kind: "done" | "skip" | "fail"; text: string }): void;
  promise: Promise<{ kind: "done" | "skip" | "fail"; text: string }>;
}

function listrProgress(wf: TaskWorkflow, stream: Stream): TaskProgress {
  const slots = new Map<string, Slot>();
  const latest = new Map<string, TaskResult>();
  for (const n of wf.graph.nodes) {
    let resolve!: Slot["resolve"];
    const promise = new Promise<{ kind: "done" | "skip" | "fail"; text: string }>(
      (r) => (resolve = r),
    );
    slots.set(n.name, { resolve, promise });
  }
  const out = stream as NodeJS.WriteStream;
  const list = new Listr<unknown, "default", "simple">(
    wf.graph.nodes.map((n) => ({
      title: `${n.name} ${pc.dim("waiting")}`,
      task: async (_ctx: unknown, t: Wrapper) => {
        const slot = slots.get(n.name) as Slot;
        slot.wrapper = t;
        const outcome = await slot.promise;
        if (outcome.kind === "skip") t.skip(`${n.name}: skipped (${outcome.text})`);
        else if (outcome.kind === "fail") throw new Error(`${n.name}: ${outcome.text}`);
        else t.title = `${n.name} ${pc.dim(outcome.text)}`;
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      rendererOptions: {
        logger: new ListrLogger({ processOutput: new ProcessOutput(out, out) }),
        collapseErrors: true,
      },
    },
  );
  const running = list.run().catch(() => undefined);
  const settle = (node: string, kind: "done" | "skip" | "fail", text: string): void =>
    slots.get(node)?.resolve({ kind, text });
  return {
    onEvent(e) {
      const slot = "node" in e ? slots.get(e.node) : undefined;
      switch (e.type) {
        case "node-start":
          if (slot?.wrapper)
            slot.wrapper.title =
              e.attempt > 1 ? `${e.node} ${pc.yellow(`attempt ${e.attempt}`)}` : e.node;
          break;
        case "node-complete": {
          const r = latest.get(e.node);
          if (r?.skipped) settle(e.node, "skip", r.reason ?? "");
          else settle(e.node, "done", `${Math.round(e.ms)} ms`);
          break;
        }
        case "node-skip":
          settle(e.node, "skip", e.reason);
          break;
        case "node-fail":
          settle(
            e.node,
            "fail",
            e.error.cause instanceof Error ? e.error.cause.message : e.error.message,
          );
          break;
      }
    },
    onOutput(node, _s, text) {
      const w = slots.get(node)?.wrapper;
      if (w) w.output = text;
    },
    onResult(r) {
      latest.set(r.task, r);
    },
    async stop(result) {
      // Nodes a cancelled run never decided are settled so the list can end.
      for (const [name] of slots) settle(name, "skip", result.tasks[name]?.reason ?? "not run");
      await running;
      stream.write(summary(result));
    },
  };
}
