/**
 * The few `semver` functions the registry uses, loaded on first use: `import "weftjs"` stays as
 * light as before for programs that never resolve a version.
 */
import { createRequire } from "node:module";

interface Semver {
  valid(v: string): string | null;
  validRange(r: string): string | null;
  maxSatisfying(versions: readonly string[], range: string): string | null;
  rcompare(a: string, b: string): number;
  prerelease(v: string): readonly (string | number)[] | null;
}

let loaded: Semver | undefined;

export function semver(): Semver {
  loaded ??= createRequire(import.meta.url)("semver") as Semver;
  return loaded;
}
