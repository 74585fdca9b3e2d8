import type { CircuitBreakerOptions } from "./options.js";

/** A call refused because its circuit breaker is open. */
export class CircuitOpenError extends Error {
  readonly breaker: string;
  constructor(breaker: string, node: string, retryInMs: number) {
    super(
      `circuit breaker '${breaker}' is open: node '${node}' not called (next trial in ${Math.max(0, Math.round(retryInMs))} ms)`,
    );
    this.name = "CircuitOpenError";
    this.breaker = breaker;
  }
}

/**
 * One breaker's state, shared by every run in the process that names it: closed (calls pass),
 * open (calls fail at once until `resetMs` has passed), half-open (one trial call).
 */
export class CircuitBreaker {
  state: "closed" | "open" | "half-open" = "closed";
  failures = 0;
  openedAt = 0;
  constructor(
    readonly name: string,
    readonly options: CircuitBreakerOptions,
  ) {}

  check(node: string): void {
    if (this.state === "closed") return;
    const waited = Date.now() - this.openedAt;
    if (this.state === "open" && waited >= this.options.resetMs) {
      this.state = "half-open";
      return;
    }
    throw new CircuitOpenError(this.name, node, this.options.resetMs - waited);
  }

  success(): void {
    this.state = "closed";
    this.failures = 0;
  }

  failure(): void {
    this.failures++;
    if (this.state === "half-open" || this.failures >= this.options.threshold) {
      this.state = "open";
      this.openedAt = Date.now();
    }
  }
}

const breakers = new Map<string, CircuitBreaker>();

/** The process-wide breaker of this name (created on first use). */
export function breakerFor(name: string, options: CircuitBreakerOptions): CircuitBreaker {
  let b = breakers.get(name);
  if (!b) {
    b = new CircuitBreaker(name, options);
    breakers.set(name, b);
  }
  return b;
}

/** Forgets every breaker (tests, or a fresh start after an outage). */
export function resetCircuitBreakers(): void {
  breakers.clear();
}
