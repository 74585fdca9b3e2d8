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

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
