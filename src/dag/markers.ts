/**
 * What condition and select nodes return. Plain data, so results survive checkpoints and JSON.
 */

/** The result of a condition node: which port was taken, and the value it carries. */
export interface Branch<V> {
  readonly branch: "true" | "false";
  readonly value: V;
}

/**
 * Returned by a `.condition` function: `value` flows to dependents of port `true` when `cond`
 * holds, else to dependents of port `false`; the other side is skipped.
 *
 * @example
 * ```ts
 * .condition("big", { rows: "clean" }, ({ rows }) => branch(rows.length > 1000, rows))
 * .node("batch", { rows: "big.true" }, batchLoad)
 * ```
 */
export function branch<V>(cond: boolean, value: V): Branch<V> {
  return { branch: cond ? "true" : "false", value };
}

/** The result of a select node: the case taken and its value. */
export interface Selected<C extends string, V> {
  readonly case: C;
  readonly value: V;
}

/**
 * Returned by a `.select` function: `value` flows to dependents of port `caseName`; every other
 * case is skipped. The ports of a select are the case names its function can return.
 *
 * @example
 * ```ts
 * .select("route", { order: "input" }, ({ order }) =>
 *   order.total > 100 ? select("review", order) : select("auto", order))
 * .node("approve", { order: "route.review" }, approve)
 * ```
 */
export function select<const C extends string, V>(caseName: C, value: V): Selected<C, V> {
  return { case: caseName, value };
}

/** Port references of a condition node. */
export type BranchRefs<N extends string, V> = { [P in `${N}.true` | `${N}.false`]: V };

/** Port references of a select node: one per case, each typed by that case's value. */
export type SelectRefs<N extends string, S> = {
  [C in S extends Selected<infer K, unknown> ? K : never as `${N}.${C}`]: S extends Selected<
    C,
    infer V
  >
    ? V
    : never;
};
