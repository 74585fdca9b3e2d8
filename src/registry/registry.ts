/** A registry of node functions with semver versions, which `fromGraph` resolves ranges against. */
import { RegistryError } from "../serialize/errors.js";
import { parseFunctionRef, tagVersion } from "./ref.js";
import { semver } from "./semver.js";

/** A node function as a registry holds it; its arguments are checked at run time. */
export type VersionedFunction = (...args: never[]) => unknown;

/** One resolved function: its registry name, the exact version chosen, and the function. */
export interface ResolvedFunction {
  name: string;
  version: string;
  fn: VersionedFunction;
}

/**
 * Node functions by name and semver version. A graph node names one as `fn: "resize@^1.2"`
 * (the highest version in the range) or `fn: "resize"` (the highest stable version; the highest
 * prerelease when there is no stable one). The version chosen is recorded per node in the run
 * record and the checkpoint, and a resume refuses when it would resolve to another.
 *
 * @example
 * ```ts
 * const reg = registry().add("resize", "1.2.0", resizeV12).add("resize", "2.0.0", resizeV2);
 * reg.resolve("resize@^1.2").version; // "1.2.0"
 * reg.resolve("resize").version;      // "2.0.0"
 * const wf = fromGraph(graph, reg);    // nodes with fn: "resize@2" run resizeV2
 * ```
 */
export class FunctionRegistry {
  /** Kind marker, so `fromGraph` tells a versioned registry from a plain record of functions. */
  readonly kind = "versioned-registry";
  private readonly entries = new Map<string, Map<string, VersionedFunction>>();

  /**
   * Adds version `version` (exact semver, e.g. `"1.2.0"`) of function `name`. Throws a
   * {@link RegistryError} for an invalid version, a non-function, or a version added twice.
   */
  add(name: string, version: string, fn: VersionedFunction): this {
    const problem = (message: string): RegistryError =>
      new RegistryError(undefined, [{ node: name, message }], this.list());
    if (typeof name !== "string" || name.length === 0 || name.lastIndexOf("@") > 0) {
      throw problem(
        `a registry name must be a non-empty string without '@' (got ${JSON.stringify(name)})`,
      );
    }
    const v = typeof version === "string" ? semver().valid(version) : null;
    if (v === null) {
      throw problem(`'${String(version)}' is not a semver version (like "1.2.0")`);
    }
    if (typeof fn !== "function") throw problem(`version ${v} is a ${typeof fn}, not a function`);
    const versions = this.entries.get(name) ?? new Map<string, VersionedFunction>();
    if (versions.has(v)) throw problem(`version ${v} is already registered`);
    versions.set(v, fn);
    this.entries.set(name, versions);
    return this;
  }

  /** Whether any version of `name` is registered. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The registered versions of `name`, highest first. */
  versions(name: string): string[] {
    return [...(this.entries.get(name)?.keys() ?? [])].sort((a, b) => semver().rcompare(a, b));
  }

  /** Every registered function as `name@version`, sorted by name, highest version first. */
  list(): string[] {
    return [...this.entries.keys()].sort().flatMap((n) => this.versions(n).map((v) => `${n}@${v}`));
  }

  /**
   * The function a reference resolves to: `"name@range"`, `"name"`, or `{ name, version }`.
   * Throws a {@link RegistryError} listing the versions that exist when none matches.
   */
  resolve(ref: string | { name: string; version?: string }): ResolvedFunction {
    const r = this.tryResolve(ref);
    if ("message" in r) {
      const name = typeof ref === "string" ? ref : ref.name;
      throw new RegistryError(undefined, [{ node: name, message: r.message }], this.list());
    }
    return r;
  }

  /**
   * The function of `ref`, marked with its name and version: a workflow built with it (in the
   * TypeScript builder) records that version in its runs like a rebuilt one.
   *
   * @example
   * ```ts
   * const wf = dag<{ src: string }>("thumbs").node("small", { src: "input.src" }, reg.use("resize@^1.2")).build();
   * ```
   */
  use<F extends VersionedFunction = VersionedFunction>(ref: string): F {
    const { name, version, fn } = this.resolve(ref);
    const range = parseFunctionRef(ref)?.version;
    // Tagged, not wrapped: the function itself runs (its source keys the default cache).
    tagVersion(fn, { name, version, ...(range !== undefined ? { range } : {}) });
    return fn as F;
  }

  /** Resolution without throwing: the function, or why not. @internal */
  tryResolve(
    ref: string | { name: string; version?: string },
  ): ResolvedFunction | { message: string } {
    const parsed =
      typeof ref === "string"
        ? parseFunctionRef(ref)
        : ref.version === undefined
          ? parseFunctionRef(ref.name)
          : ref;
    if (!parsed)
      return { message: `'${String(ref)}' is not a function reference ("name" or "name@range")` };
    const { name, version: range } = parsed;
    const versions = this.versions(name);
    if (versions.length === 0) {
      return { message: `no function '${name}' in the registry` };
    }
    const s = semver();
    let chosen: string | null;
    if (range === undefined) {
      chosen = versions.find((v) => s.prerelease(v) === null) ?? versions[0];
    } else {
      if (s.validRange(range) === null) {
        return { message: `'${range}' in '${name}@${range}' is not a semver range` };
      }
      chosen = s.maxSatisfying(versions, range);
    }
    if (chosen === null) {
      return {
        message: `no version of '${name}' matches '${range}' (it has ${versions.join(", ")})`,
      };
    }
    return { name, version: chosen, fn: this.entries.get(name)!.get(chosen)! };
  }
}

/**
 * A new, empty {@link FunctionRegistry}.
 *
 * @example
 * ```ts
 * import { fromGraph, registry } from "weftjs";
 * const reg = registry().add("resize", "1.2.0", resizeV12).add("resize", "2.0.0", resizeV2);
 * const wf = fromGraph(parseGraph(yamlText), reg); // fn: "resize@^1.2" → 1.2.0
 * ```
 */
export function registry(): FunctionRegistry {
  return new FunctionRegistry();
}

/** Whether `value` is a {@link FunctionRegistry} (also one from another copy of weft). */
export function isFunctionRegistry(value: unknown): value is FunctionRegistry {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "versioned-registry" &&
    typeof (value as { tryResolve?: unknown }).tryResolve === "function"
  );
}
