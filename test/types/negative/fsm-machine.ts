// Mistakes the event-driven machine builder and its instances must reject at compile time.
import { machine } from "../../../src/index.js";

type Ctx = { version?: string; attempts: number };

const base = machine<Ctx, { deploy: { version: string } }>("neg_deploy")
  .states("idle", "building", "live")
  .events("built", "cancel");

// transitions name declared states and events only
// @ts-expect-error: '"launch"' is not assignable to parameter of type '"deploy" | "built" | "cancel"'
base.transition("idle", "launch", "building");
// @ts-expect-error: '"nowhere"' is not assignable
base.transition("idle", "built", "nowhere");
// @ts-expect-error: '"void"' is not assignable
base.transition("void", "built", "live");
// @ts-expect-error: '"void"' is not assignable
base.transition(["idle", "void"], "built", "live");
// @ts-expect-error: '"void"' is not assignable
base.terminal("void");
// @ts-expect-error: '"void"' is not assignable
base.initial("void");

// guards and actions see the event's payload type and the context type
base.transition("idle", "deploy", "building", {
  // @ts-expect-error: Property 'tag' does not exist on type '{ version: string; }'
  guard: (_c, p) => p.tag !== "",
});
base.transition("building", "built", "live", {
  // @ts-expect-error: 'p' is possibly 'undefined'
  guard: (_c, p) => p.version !== "",
});
base.transition("idle", "deploy", "building", {
  // @ts-expect-error: Type 'string' is not assignable to type 'number'
  action: (c, p) => ({ ...c, attempts: p.version }),
});

const deploy = base
  .transition("idle", "deploy", "building", { action: (c, p) => ({ ...c, version: p.version }) })
  .transition("building", "built", "live")
  .transition("*", "cancel", "idle")
  .terminal("live")
  .build();

// a context is required when its type does not allow undefined
// @ts-expect-error: Expected 1 arguments, but got 0
deploy.start();
// @ts-expect-error: Property 'attempts' is missing
deploy.start({});

const d = deploy.start({ attempts: 0 });

// sends are checked: unknown events, missing, extra and wrong payloads
// @ts-expect-error: '"launch"' is not assignable
void d.send("launch");
// @ts-expect-error: Expected 2 arguments, but got 1
void d.send("deploy");
// @ts-expect-error: Type 'number' is not assignable to type 'string'
void d.send("deploy", { version: 2 });
// @ts-expect-error: is not assignable to parameter of type 'undefined'
void d.send("built", { version: "1" });
// @ts-expect-error: Expected 2 arguments, but got 1
d.can("deploy");
// @ts-expect-error: '"launch"' is not assignable
d.can("launch");

// the state and the context are typed
// @ts-expect-error: This comparison appears to be unintentional
if (d.state === "crashed") console.log("never");
// @ts-expect-error: Property 'retries' does not exist
console.log(d.context.retries);
