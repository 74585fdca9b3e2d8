/**
 * Function references with a version: `"resize@^1.2"`. Kept apart from the registry (and from
 * `semver`) so the graph parser and the runtime can read references without loading either.
 */

/**
 * Splits `"name@range"` into its parts; a reference without `@` (or only a leading one, as in a
 * scoped `@org/fn`) has no range. `undefined` for an empty name or range.
 *
 * @example
 * ```ts
 * parseFunctionRef("resize@^1.2"); // { name: "resize", version: "^1.2" }
 * parseFunctionRef("resize");      // { name: "resize" }
 * ```
 */
export function parseFunctionRef(text: string): { name: string; version?: string } | undefined {
  const at = text.lastIndexOf("@");
  if (at <= 0) return text.length > 0 ? { name: text } : undefined;
  const name = text.slice(0, at);
  const version = text.slice(at + 1).trim();
  return version.length > 0 ? { name, version } : undefined;
}

/** What a function taken with `FunctionRegistry.use` carries: its name, version, the range asked. */
export interface VersionTag {
  name: string;
  version: string;
  range?: string;
}

const tagged = new WeakMap<object, VersionTag>();

/** Marks `fn` as version `tag.version` of registry function `tag.name`. */
export function tagVersion(fn: object, tag: VersionTag): void {
  tagged.set(fn, tag);
}

/**
 * The registry name and version `fn` was taken out under with `use`, if any.
 *
 * @example
 * ```ts
 * versionOf(reg.use("resize@^1.2")); // { name: "resize", version: "1.2.0", range: "^1.2" }
 * ```
 */
export function versionOf(fn: unknown): VersionTag | undefined {
  return typeof fn === "function" ? tagged.get(fn) : undefined;
}
