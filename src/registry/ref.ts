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

/** Versions that registry functions carry (see `FunctionRegistry.use`), by function. */
const tagged = new WeakMap<object, { name: string; version: string }>();

/** Marks `fn` as version `version` of registry function `name`. */
export function tagVersion(fn: object, name: string, version: string): void {
  tagged.set(fn, { name, version });
}

/** The registry name and version `fn` was taken out under, if any. */
export function versionOf(fn: unknown): { name: string; version: string } | undefined {
  return typeof fn === "function" ? tagged.get(fn) : undefined;
}
