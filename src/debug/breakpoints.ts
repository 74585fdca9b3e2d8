/** Breakpoint checks shared by the debug sessions: names must exist, with a suggestion when not. */
import { nearestName } from "../graph/nearest-name.js";

/** Throws naming the unknown `name` and the nearest known one. */
export function checkName(
  workflow: string,
  what: string,
  name: unknown,
  known: readonly string[],
): void {
  if (typeof name !== "string") {
    throw new TypeError(
      `debug '${workflow}': a breakpoint must name a ${what} (a string or { ${what === "event or state" ? "event, state" : "node"}, when }), got ${name === null ? "null" : typeof name}`,
    );
  }
  if (known.includes(name)) return;
  const near = nearestName(name, known);
  throw new Error(
    `debug '${workflow}': breakpoint on unknown ${what} '${name}'` +
      (near ? ` (did you mean '${near}'?)` : ` (known: ${known.join(", ")})`),
  );
}

/** Runs a `when` condition; a throw counts as a hit so the session stops where it failed. */
export function test(when: () => unknown): { hit: boolean; error?: unknown } {
  try {
    return { hit: Boolean(when()) };
  } catch (error) {
    return { hit: true, error };
  }
}

/** A breakpoint on a name: the name itself, or `{ when }` tested with the pause's args and ctx. */
export type NamedBreakpoint<A, C> = string | { readonly when?: (args: A, ctx: C) => unknown };

/**
 * Whether a pause hits one of the breakpoints set on its unit's name (`list`, undefined when
 * none is): a plain name always does, a `when` when it returns truthy or throws.
 */
export function matchNamed<A, C>(
  list: readonly NamedBreakpoint<A, C>[] | undefined,
  args: A,
  ctx: C,
): { hit: boolean; error?: unknown } {
  if (!list) return { hit: false };
  for (const b of list) {
    if (typeof b === "string" || b.when === undefined) return { hit: true };
    const when = b.when.bind(b);
    const m = test(() => when(args, ctx));
    if (m.hit) return m;
  }
  return { hit: false };
}
