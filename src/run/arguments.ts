/**
 * A node's arguments, read from the results of a run so far, and why a node that runs only on
 * success cannot run. Pure functions of the prepared workflow and the run's flat state.
 */
import type { Binding, Prepared, Source } from "./prepare.js";
import { COMPLETED, FAILED, RUNNING } from "./status.js";

/** The part of a run's state arguments are read from. */
export interface RunValues {
  /** Status code per node index (a dense array locally, a sparse one in a distributed job). */
  statuses: ArrayLike<number>;
  values: ArrayLike<unknown>;
}

/** Node `i`'s argument: an object by parameter name, or the whole value of a `.then`-style input. */
export function argumentsOf(p: Prepared, st: RunValues, input: unknown, i: number): unknown {
  if (p.plainArgs[i] === 1) {
    // Plain references only: straight from the packed arrays.
    const { argSrc, argName } = p;
    const values = st.values;
    const start = p.argOff[i];
    const end = p.argOff[i + 1];
    if (end - start === 1) {
      const v = argSrc[start] < 0 ? input : values[argSrc[start]];
      const name = argName[start];
      if (name === undefined) return v;
      const one: Record<string, unknown> = {};
      one[name] = v;
      return one;
    }
    const args: Record<string, unknown> = {};
    for (let k = start; k < end; k++) {
      args[argName[k] as string] = argSrc[k] < 0 ? input : values[argSrc[k]];
    }
    return args;
  }
  const bindings = p.bindings[i];
  if (bindings.length === 1 && bindings[0].param === undefined) {
    return bindingValue(p, st, input, bindings[0]);
  }
  const args: Record<string, unknown> = {};
  for (const b of bindings) args[b.param as string] = bindingValue(p, st, input, b);
  return args;
}

/** Why a success-only node cannot run (a required input skipped or failed), if it cannot. */
export function blockedBy(p: Prepared, st: RunValues, i: number): string | undefined {
  for (const b of p.bindings[i]) {
    if (b.any) {
      let found = false;
      for (const s of b.sources) if (sourceOk(p, st, s)) found = true;
      if (!found) return `every input of '${b.param}' was skipped`;
    } else {
      const s = b.sources[0];
      if (!sourceOk(p, st, s)) {
        const up = s.node >= 0 ? p.names[s.node] : "input";
        const status = s.node >= 0 ? st.statuses[s.node] : COMPLETED;
        return status === FAILED ? `upstream '${up}' failed` : `input '${s.ref}' was skipped`;
      }
    }
  }
  return undefined;
}

/** Whether a source has a value: its node completed and, for a branch or case, took that one. */
function sourceOk(p: Prepared, st: RunValues, s: Source): boolean {
  if (s.node < 0) return true;
  const kind = p.kinds[s.node];
  // A running stream already has a value: the items it is producing.
  if (st.statuses[s.node] !== COMPLETED && !(st.statuses[s.node] === RUNNING && kind === "stream"))
    return false;
  if (s.path.length > 0 && (kind === "condition" || kind === "select")) {
    const v = st.values[s.node] as { branch?: string; case?: string } | undefined;
    const taken = kind === "condition" ? v?.branch : v?.case;
    return taken === s.path[0];
  }
  return true;
}

function valueOf(p: Prepared, st: RunValues, input: unknown, s: Source): unknown {
  let v: unknown;
  let k = 0;
  if (s.node < 0) v = input;
  else {
    v = st.values[s.node];
    const kind = p.kinds[s.node];
    if (s.path.length > 0 && (kind === "condition" || kind === "select")) {
      if (!sourceOk(p, st, s)) return undefined;
      v = (v as { value: unknown }).value;
      k = 1;
    }
  }
  for (; k < s.path.length && v !== undefined && v !== null; k++) v = readPort(v, s.path[k]);
  return v;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * One field of a port path, read so that no path reaches a prototype: an own property, or a
 * field or getter a class declares (`Map#size`, a result class's getter), but never
 * `__proto__`, `constructor`, `prototype` nor anything `Object.prototype` or `Function.prototype`
 * holds. So `a.constructor.constructor` gives `undefined`, not `Function`.
 *
 * @example
 * ```ts
 * readPort({ x: 1 }, "x"); // 1
 * readPort({}, "constructor"); // undefined
 * readPort(new Map([[1, 2]]), "size"); // 1
 * ```
 */
export function readPort(v: unknown, key: string): unknown {
  if (hasOwn.call(v, key)) return (v as Record<string, unknown>)[key];
  if (key === "__proto__" || key === "constructor" || key === "prototype") return undefined;
  let proto: unknown = Object.getPrototypeOf(v);
  while (proto !== null && proto !== Object.prototype && proto !== Function.prototype) {
    if (hasOwn.call(proto, key)) return (v as Record<string, unknown>)[key];
    proto = Object.getPrototypeOf(proto);
  }
  return undefined;
}

function bindingValue(p: Prepared, st: RunValues, input: unknown, b: Binding): unknown {
  if (!b.any) return valueOf(p, st, input, b.sources[0]);
  for (const s of b.sources) {
    if (sourceOk(p, st, s)) return { from: s.ref, value: valueOf(p, st, input, s) };
  }
  return undefined;
}
