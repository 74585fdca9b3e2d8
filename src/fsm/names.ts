import { isReservedName, reservedMessage } from "../graph/reserved.js";

/** Checks shared by both kinds of state machine on the names users declare. */

/**
 * Throws unless `names` is a non-empty list of distinct names without '.' (a dot separates a
 * state from a visit number in `get("state.2")`, and from a port in the graph IR). `"*"` is the
 * wildcard source of event-driven transitions, so it cannot name a state either.
 */
export function checkNames(machine: string, what: string, names: readonly string[]): void {
  if (names.length === 0) throw new TypeError(`machine '${machine}': declare at least one ${what}`);
  const seen = new Set<string>();
  for (const n of names) {
    if (typeof n !== "string" || n === "" || n.includes(".") || n === "*") {
      throw new TypeError(
        `machine '${machine}': ${what} name '${String(n)}' is not allowed (non-empty, no '.', not '*')`,
      );
    }
    if (isReservedName(n))
      throw new TypeError(`machine '${machine}': ${reservedMessage(`${what} name`, n)}`);
    if (seen.has(n)) throw new TypeError(`machine '${machine}': duplicate ${what} '${n}'`);
    seen.add(n);
  }
}

/** Throws unless `name` is one of `declared`; `role` says what it was used as. */
export function checkDeclared(
  machine: string,
  role: string,
  name: string,
  declared: ReadonlySet<string>,
): void {
  if (!declared.has(name)) {
    throw new TypeError(
      `machine '${machine}': ${role} '${name}' is not a declared state (declared: ${[...declared].join(", ")})`,
    );
  }
}
