/**
 * The worker side of `mode: "threads"`: finds a node's function without eval (import the
 * workflow's module, find the exported workflow by name, take `impl(node).fn`), calls it with a
 * context of its own, and posts the outcome on the task's port.
 */
import type { MessagePort } from "node:worker_threads";
import { findUnstorable } from "./codec.js";
import type { NodeContext, Progress } from "./types.js";
import {
  dataToError,
  errorToData,
  type MainMessage,
  type ThreadTask,
  type WorkerMessage,
} from "./threads-protocol.js";

type NodeFn = (args: unknown, ctx: NodeContext) => unknown;

/** What a workflow export offers here: a name and node implementations. */
interface WorkflowLike {
  kind: "dag";
  name: string;
  impl(node: string): { fn?: unknown } | undefined;
}

const functions = new Map<string, Promise<NodeFn>>();

/** Runs one task; resolves once its outcome is posted. Never rejects. */
export async function runThreadTask(task: ThreadTask): Promise<void> {
  const { port } = task;
  const controller = new AbortController();
  const onMessage = (m: MainMessage): void => {
    if (m.type === "abort") controller.abort(dataToError(m.reason));
  };
  port.on("message", onMessage);
  try {
    const fn = await nodeFunction(task);
    const ctx: NodeContext & { index?: number } = {
      signal: controller.signal,
      runId: task.runId,
      node: task.node,
      attempt: task.attempt,
      metadata: task.metadata,
      emit: task.progress ? (progress) => postProgress(port, progress) : noop,
    };
    if (task.index !== undefined) ctx.index = task.index;
    const value = await fn(task.args, ctx);
    const bad = findUnstorable(value);
    if (bad) post(port, { type: "unclonable", what: "result", ...bad });
    else post(port, { type: "result", value });
  } catch (error) {
    if (error instanceof UnclonableProgress) {
      post(port, { type: "unclonable", what: "progress", path: error.path, reason: error.reason });
    } else {
      post(port, { type: "error", error: errorToData(error) });
    }
  } finally {
    port.off("message", onMessage);
    port.unref();
  }
}

function post(port: MessagePort, message: WorkerMessage): void {
  try {
    port.postMessage(message);
  } catch (error) {
    // The walk above accepts what V8 clones; a host object it cannot see into ends up here.
    const reason = error instanceof Error ? error.message : String(error);
    port.postMessage({
      type: "unclonable",
      what: message.type === "progress" ? "progress" : "result",
      path: "",
      reason: `cannot be cloned (${reason})`,
    } satisfies WorkerMessage);
  }
}

/** Thrown by `ctx.emit` for a report that cannot reach the main thread; fails the node. */
class UnclonableProgress extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`progress ${path} ${reason}`);
  }
}

function postProgress(port: MessagePort, progress: Progress): void {
  const bad = findUnstorable(progress);
  if (bad) throw new UnclonableProgress(bad.path, bad.reason);
  post(port, { type: "progress", progress });
}

function noop(): void {}

/** The node's function, from the module's exported workflow (cached per worker). */
function nodeFunction(task: ThreadTask): Promise<NodeFn> {
  const key = `${task.module}\n${task.exportName ?? ""}\n${task.workflow}\n${task.node}`;
  let found = functions.get(key);
  if (!found) {
    found = lookUp(task);
    functions.set(key, found);
    // A failed lookup (a module that threw while loading) is retried by the next task.
    found.catch(() => functions.delete(key));
  }
  return found;
}

async function lookUp(task: ThreadTask): Promise<NodeFn> {
  const mod = (await import(task.module)) as Record<string, unknown>;
  const wf = findWorkflow(mod, task);
  const fn = wf.impl(task.node)?.fn;
  if (typeof fn !== "function") {
    throw new Error(
      `workflow '${task.workflow}' exported by ${task.module} has no function for node '${task.node}'`,
    );
  }
  return fn as NodeFn;
}

function findWorkflow(mod: Record<string, unknown>, task: ThreadTask): WorkflowLike {
  if (task.exportName !== undefined) {
    const value = mod[task.exportName];
    if (isWorkflow(value) && value.name === task.workflow) return value;
    throw new Error(
      `export '${task.exportName}' of ${task.module} is not the workflow '${task.workflow}'`,
    );
  }
  const matches = Object.entries(mod).filter(
    (entry): entry is [string, WorkflowLike] =>
      isWorkflow(entry[1]) && entry[1].name === task.workflow,
  );
  const distinct = new Set(matches.map(([, wf]) => wf));
  if (distinct.size === 1) return matches[0][1];
  if (distinct.size > 1) {
    throw new Error(
      `${task.module} exports several workflows named '${task.workflow}' ` +
        `(${matches.map(([name]) => `'${name}'`).join(", ")}); give each workflow its own name`,
    );
  }
  const others = Object.entries(mod)
    .filter((entry) => isWorkflow(entry[1]))
    .map(([name, wf]) => `'${(wf as WorkflowLike).name}' (export '${name}')`);
  throw new Error(
    `${task.module} exports no workflow named '${task.workflow}'` +
      (others.length > 0 ? ` (it exports ${others.join(", ")})` : "") +
      `; export the workflow from the module named in dag('${task.workflow}', { module: import.meta.url })`,
  );
}

function isWorkflow(value: unknown): value is WorkflowLike {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "dag" &&
    typeof (value as { impl?: unknown }).impl === "function"
  );
}
