/**
 * TypeScript in worker threads. A worker starts without the loader of the main thread (tsx,
 * vitest), so before a worker imports a `.ts` workflow module it registers tsx, as the `weft`
 * command does for the main thread. Compiled `.js` modules need nothing.
 */

const TYPESCRIPT = /\.[cm]?tsx?$/;

/** Where the registration is kept, shared with `threads-entry.mjs` (which may register first). */
const KEY = "__weftTypeScriptLoader";

/** Registers tsx in this thread when `specifier` is a TypeScript module (once per thread). */
export function typescriptLoader(specifier: string): Promise<void> | undefined {
  if (!TYPESCRIPT.test(specifier.split(/[?#]/)[0])) return undefined;
  const store = globalThis as unknown as Record<string, Promise<void> | undefined>;
  store[KEY] ??= import("tsx/esm/api").then(
    (tsx) => {
      tsx.register();
    },
    (error: unknown) => {
      throw new Error(
        `worker threads load TypeScript modules (${specifier}) with tsx, which could not be ` +
          `loaded: ${error instanceof Error ? error.message : String(error)}; install tsx or ` +
          "run compiled JavaScript",
      );
    },
  );
  return store[KEY];
}
