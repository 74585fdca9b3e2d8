/** Who the command line acts as, for the checkpoint store's audit trail. */
import os from "node:os";

/**
 * `--actor`, else `$WEFT_ACTOR`, else the operating-system user name, else `"unknown"`.
 *
 * @example
 * ```ts
 * cliActor("release-bot"); // "release-bot"
 * cliActor();              // "ana" (the logged-in user)
 * ```
 */
export function cliActor(given?: string): string {
  if (given) return given;
  const env = process.env.WEFT_ACTOR;
  if (env) return env;
  try {
    return os.userInfo().username || "unknown";
  } catch {
    // No user entry (some containers): nothing better to record.
    return "unknown";
  }
}
