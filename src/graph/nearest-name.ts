/** "Did you mean ...?" suggestions for misspelt names. */

/**
 * The known name nearest to `name` by edit distance, when it is close enough to suggest (at most
 * a third of the name's length away; names under three characters get no suggestion).
 *
 * @example
 * ```ts
 * nearestName("claen", ["load", "clean"]); // "clean"
 * ```
 */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.floor(name.length / 3);
  const lower = name.toLowerCase();
  for (const k of known) {
    // Names whose lengths differ by more than the limit cannot be close enough: skip them cheaply.
    if (Math.abs(k.length - name.length) > limit) continue;
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD > 0 && bestD <= limit ? best : undefined;
}

/**
 * Edit distance counting a swap of two neighbouring characters as one edit (optimal string
 * alignment), so the commonest typo, `"laod"` for `"load"`, is one edit away.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
