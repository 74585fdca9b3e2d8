/**
 * The worker side of `mode: "threads"`: finds a node's function without eval (import the
 * workflow's module, find the exported workflow by name, take `impl(node).fn`), calls it with a
 * context of its own, and posts the outcome on the task's port.
 */
import { isMainThread, threadId, workerData, type MessagePort } from "node:worker_threads";
import { findUnstorable } from "./codec.js";
import { typescriptLoader } from "./threads-loader.js";
import type { NodeContext, Progress } from "./types.js";
import {
  dataToError,
  errorToData,
  type MainMessage,
  type ErrorData,
  type ThreadTask,
  type WarmTask,
  type WorkerMessage,
  type WorkerTask,
} from "./threads-protocol.js";

type NodeFn = (args: unknown, ctx: NodeContext) => unknown;

/** What a workflow export offers here: a name and node implementations. */
interface WorkflowLike {
  kind: "dag";
  name: string;
  impl(node: string): { fn?: unknown } | undefined;
}

const functions = new Map<string, Promise<NodeFn>>();

/**
 * Runs one task (what the pool calls). A node's outcome goes to its port; a warm task resolves to
 * what went wrong, if anything, as data (the pool's own error cloning drops the message of Node's
 * internal errors).
 */
export default function runThreadTask(task: WorkerTask): Promise<ErrorData | undefined> {
  return task.kind === "warm" ? warm(task) : runNode(task).then(() => undefined);
}

// A new worker loads the module of the run that created the pool while it waits for its first
// task; a failure is reported by the task that needs the module, naming its node.
const preload = (workerData as { preload?: unknown } | null)?.preload;
if (!isMainThread && Array.isArray(preload)) {
  for (const module of preload as string[]) loadModule(module).catch(() => undefined);
}

/** Loads the module, then holds this worker until every warm task has one. */
async function warm(task: WarmTask): Promise<ErrorData | undefined> {
  let failure: ErrorData | undefined;
  try {
    if (task.module !== undefined) await importModule(task.module, task.workflow);
  } catch (error) {
    failure = errorToData(error);
  }
  const { started } = task;
  Atomics.add(started, 0, 1);
  Atomics.notify(started, 0);
  const deadline = Date.now() + task.waitMs;
  for (let seen = Atomics.load(started, 0); seen < task.count; seen = Atomics.load(started, 0)) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    Atomics.wait(started, 0, seen, left);
  }
  return failure;
}

/** Runs one node call; resolves once its outcome is posted. Never rejects. */
async function runNode(task: ThreadTask): Promise<void> {
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
    if (task.watch) post(port, { type: "started", threadId });
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

/** Posts an outcome. */
function post(port: MessagePort, message: WorkerMessage): void {
  try {
    port.postMessage(message);
  } catch (error) {
    // The walk accepts what V8 clones; a host object it cannot see into ends up here.
    port.postMessage({
      type: "unclonable",
      what: "result",
      path: "",
      reason: cloneFailure(error),
    } satisfies WorkerMessage);
  }
}

function cloneFailure(error: unknown): string {
  return `cannot be cloned (${error instanceof Error ? error.message : String(error)})`;
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
  try {
    port.postMessage({ type: "progress", progress } satisfies WorkerMessage);
  } catch (error) {
    throw new UnclonableProgress("", cloneFailure(error));
  }
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
  const mod = await importModule(task.module, task.workflow);
  const wf = findWorkflow(mod, task);
  const fn = wf.impl(task.node)?.fn;
  if (typeof fn !== "function") {
    throw new Error(
      `workflow '${task.workflow}' exported by ${task.module} has no function for node '${task.node}'`,
    );
  }
  return fn as NodeFn;
}

async function loadModule(module: string): Promise<Record<string, unknown>> {
  await typescriptLoader(module);
  return (await import(module)) as Record<string, unknown>;
}

/** Imports a workflow's module; a failure names the workflow and the module. */
async function importModule(module: string, workflow: string): Promise<Record<string, unknown>> {
  try {
    return await loadModule(module);
  } catch (error) {
    const inner = error instanceof Error ? error.message : String(error);
    throw new Error(
      `workflow '${workflow}': cannot import its module ${module} in a worker thread: ${inner}`,
      {
        cause: error,
      },
    );
  }
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
