/**
 * Optional peer dependencies (better-sqlite3, piscina, fast-check, tsx, ts-morph, ...) are loaded
 * only by the feature that needs them; when one is not installed, the error says what to install.
 */

/** The error for a feature whose optional peer dependency is not installed. */
export class MissingPeerError extends Error {
  constructor(
    /** The npm package to install. */
    readonly packageName: string,
    /** The feature that needs it, as users write it (`sqliteStore`, `mode: "threads"`). */
    readonly feature: string,
    options?: { cause?: unknown; install?: string },
  ) {
    super(
      `${feature} needs ${packageName}: ${options?.install ?? "npm i"} ${packageName}`,
      options,
    );
    this.name = "MissingPeerError";
  }
}

/**
 * A {@link MissingPeerError} when `err` is the failure to load `packageName` itself (not a module
 * it imports), else undefined so the caller rethrows the original error.
 *
 * @example
 * ```ts
 * const { Piscina } = await import("piscina").catch((err: unknown) => {
 *   throw missingPeer(err, "piscina", 'mode: "threads"') ?? err;
 * });
 * ```
 */
export function missingPeer(
  err: unknown,
  packageName: string,
  feature: string,
  /** The install command to suggest (`npm i -D` for build tools). */
  install = "npm i",
): MissingPeerError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return undefined;
  const message = err instanceof Error ? err.message : String(err);
  // Node names the missing package in quotes: "Cannot find package 'piscina' imported from ...".
  if (!message.includes(`'${packageName}'`) && !message.includes(`"${packageName}"`)) {
    return undefined;
  }
  return new MissingPeerError(packageName, feature, { cause: err, install });
}
