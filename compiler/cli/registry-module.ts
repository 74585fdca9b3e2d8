/** The registry a `--registry MODULE` names: a versioned registry it exports, or its exports. */
import { isFunctionRegistry, type FunctionRegistry } from "../../src/registry/registry.js";
import type { Registry } from "../../src/serialize/from-graph.js";
import { CliError } from "./output.js";
import { importModule } from "./peers.js";

/**
 * Loads `file` and returns the `registry()` it exports (as default or any single named export),
 * or else its exports as a plain registry of functions by name.
 *
 * @example
 * ```ts
 * // mod.ts: export default registry().add("resize", "1.2.0", resizeV12);
 * await loadRegistry("mod.ts"); // that FunctionRegistry
 * ```
 */
export async function loadRegistry(file: string): Promise<Registry | FunctionRegistry> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file);
  } catch (err) {
    throw new CliError(`cannot load registry module '${file}': ${(err as Error).message}`);
  }
  if (isFunctionRegistry(mod.default)) return mod.default;
  const found = Object.entries(mod).filter(([, v]) => isFunctionRegistry(v));
  if (found.length > 1) {
    throw new CliError(
      `${file} exports several versioned registries (${found.map(([k]) => k).join(", ")}); export one as default`,
    );
  }
  return found.length === 1 ? (found[0][1] as FunctionRegistry) : (mod as Registry);
}
