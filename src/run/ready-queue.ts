/**
 * Ready nodes ordered by priority (highest first), ties broken by declaration order so runs are
 * deterministic. A binary heap over node indices in a typed array.
 */
export class ReadyQueue {
  private heap: Int32Array;
  size = 0;
  constructor(private readonly priority: ArrayLike<number>) {
    // Grown on demand: most runs never hold many ready nodes at once.
    this.heap = new Int32Array(Math.min(256, Math.max(16, priority.length)));
  }

  private before(a: number, b: number): boolean {
    const pa = this.priority[a];
    const pb = this.priority[b];
    return pa > pb || (pa === pb && a < b);
  }

  push(v: number): void {
    if (this.size === this.heap.length) {
      const bigger = new Int32Array(this.heap.length * 4);
      bigger.set(this.heap);
      this.heap = bigger;
    }
    const h = this.heap;
    let k = this.size++;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.before(v, h[parent])) break;
      h[k] = h[parent];
      k = parent;
    }
    h[k] = v;
  }

  pop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h[--this.size];
    let k = 0;
    const n = this.size;
    for (;;) {
      let c = 2 * k + 1;
      if (c >= n) break;
      if (c + 1 < n && this.before(h[c + 1], h[c])) c++;
      if (!this.before(h[c], last)) break;
      h[k] = h[c];
      k = c;
    }
    h[k] = last;
    return top;
  }
}
