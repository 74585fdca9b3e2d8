// Mistakes in state policies (retry, timeout, hooks), machine defaults and resume that must not compile.
import { fsm, memoryStore, next, stop } from "../../../src/index.js";

const s = fsm<number>("neg_policies").states("a", "b");

// after must give back the state's result type
// @ts-expect-error: Type 'string' is not assignable to type 'number | void | Promise<number | void>'
s.state("a", () => next("b", 1), { hooks: { after: (v) => `${v}` } });
// before must give back the run input's type
// @ts-expect-error: Type 'string' is not assignable to type 'number | void | Promise<number | void>'
s.state("a", () => next("b", 1), { hooks: { before: () => "x" } });
// onError may only go where the state may go
// @ts-expect-error: Type 'Next<"a", undefined>' is not assignable to type 'Next<"b", unknown>'
s.state("a", () => next("b", 1), { to: ["b"], hooks: { onError: () => next("a") } });
// ...and only to declared states
// @ts-expect-error: '"c"' is not assignable
s.state("a", () => next("b", 1), { hooks: { onError: () => next("c") } });
// retry needs attempts; retryOn is a predicate
// @ts-expect-error: Property 'attempts' is missing
s.state("a", () => next("b", 1), { retry: { delayMs: 10 } });
// @ts-expect-error: Type 'string' is not assignable to type 'boolean'
s.state("a", () => next("b", 1), { retry: { attempts: 2, retryOn: () => "yes" } });
// @ts-expect-error: Type 'string' is not assignable to type 'number'
s.state("a", () => next("b", 1), { timeoutMs: "5s" });
// hooks have fixed names
// @ts-expect-error: 'onErorr' does not exist
s.state("a", () => next("b", 1), { hooks: { onErorr: () => next("b", 1) } });

const full = s.state("a", () => next("b", 1)).state("b", () => stop(2));
// a default onError serves every state, so it supplies a transition without a value
// @ts-expect-error: Type 'Next<"b", number>' is not assignable
full.build({ defaults: { hooks: { onError: () => next("b", 1) } } });
// a default before hook still sees the typed input
// @ts-expect-error: Property 'length' does not exist on type 'number'
full.build({ defaults: { hooks: { before: (n) => void n.length } } });

const m = full.build();
// resume needs the store the run was journaled to
// @ts-expect-error: Property 'checkpoint' is missing
void m.resume("r1", {});
// @ts-expect-error: 'runId' does not exist in type 'FsmResumeOptions'
void m.resume("r1", { checkpoint: memoryStore(), runId: "other" });
