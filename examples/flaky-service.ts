/**
 * A flaky service behind retries and a circuit breaker, with a fallback when it stays down.
 * Run: npx tsx examples/flaky-service.ts
 */
import { dag, resetCircuitBreakers, type RunEvent } from "weftjs";
import { isMain } from "./main.js";

/** A fake exchange-rate service: fails `failuresLeft` times, then answers. */
export function rateService(failuresLeft: number) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async rate(currency: string): Promise<number> {
      calls++;
      if (failuresLeft-- > 0) throw new Error(`503 from rates service (${currency})`);
      return currency === "EUR" ? 1.08 : 1.27;
    },
  };
}

export function pricing(service: ReturnType<typeof rateService>) {
  return dag<{ amount: number; currency: string }>("fx_pricing")
    .node("rate", { currency: "input.currency" }, ({ currency }) => service.rate(currency), {
      retry: { attempts: 3, delayMs: 5, backoff: 2, jitter: 0.2 },
      circuitBreaker: { name: "rates", threshold: 3, resetMs: 200 },
      fallback: 1,
    })
    .node(
      "price",
      { amount: "input.amount", rate: "rate" },
      ({ amount, rate }) => Math.round(amount * rate * 100) / 100,
    )
    .build();
}

/** Runs the scenario and returns what happened, line by line. */
export async function scenario(): Promise<string[]> {
  resetCircuitBreakers();
  const out: string[] = [];
  const log = (e: RunEvent) => {
    if (e.type === "node-retry") out.push(`retry ${e.node} (attempt ${e.attempt})`);
  };
  // 1. Two failures, then success: the retries absorb them.
  const shaky = rateService(2);
  const first = await pricing(shaky).run({ amount: 100, currency: "EUR" }, { onEvent: log });
  out.push(`price ${first.output} after ${shaky.calls} calls`);
  // 2. The service is down: three failed calls open the breaker; the fallback rate is used.
  const down = rateService(100);
  const second = await pricing(down).run({ amount: 100, currency: "GBP" }, { onEvent: log });
  out.push(`price ${second.output} (fallback) after ${down.calls} calls`);
  // 3. While the breaker is open, the service is not called at all.
  const third = await pricing(down).run({ amount: 100, currency: "GBP" });
  out.push(`price ${third.output} (fallback, breaker open) after ${down.calls} calls`);
  return out;
}

if (isMain(import.meta.url)) {
  for (const line of await scenario()) console.log(line);
}
