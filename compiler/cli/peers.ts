/**
 * The CLI's optional peer dependencies: ts-morph (reading TypeScript sources) and tsx (importing a
 * TypeScript workflow module). Each is loaded by the command that needs it, and a missing one is
 * a one-line error saying what to install.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { missingPeer } from "../../src/peers/missing-peer.js";
import { CliError } from "./output.js";

/**
 * Loads a module that needs `packageName` (`load` is a dynamic import); when that package is not
 * installed, a {@link CliError} says `<feature> needs <package>: npm i -D <package>`.
 */
export async function withPeer<T>(
  packageName: string,
  feature: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const missing = missingPeer(err, packageName, feature, "npm i -D");
    if (missing) throw new CliError(missing.message);
    throw err;
  }
}

/** The modules that read TypeScript sources (ts-morph), loaded on first use. */
export function loadPick(feature: string): Promise<typeof import("./pick.js")> {
  return withPeer("ts-morph", feature, () => import("./pick.js"));
}

const TSX_REGISTERED = Symbol.for("weftjs.tsx-registered");

/** True for a TypeScript file name. */
export function isTypeScript(file: string): boolean {
  return /\.[cm]?tsx?$/i.test(file);
}

/**
 * Imports a workflow module; a TypeScript one through tsx, registered once per process (and only
 * then, so running `.js` modules never loads it).
 */
export async function importModule(file: string): Promise<Record<string, unknown>> {
  if (isTypeScript(file)) {
    const registry = globalThis as Record<symbol, unknown>;
    if (registry[TSX_REGISTERED] !== true) {
      const tsx = await withPeer(
        "tsx",
        `weft run of a TypeScript module (${file})`,
        () => import("tsx/esm/api"),
      );
      tsx.register();
      registry[TSX_REGISTERED] = true;
    }
  }
  return (await import(pathToFileURL(path.resolve(file)).href)) as Record<string, unknown>;
}
