/**
 * Workflows over HTTP. `npx tsx examples/server.ts` serves `order_report` (and the ETL example)
 * on http://127.0.0.1:8080 until Ctrl-C; then, from another terminal:
 *
 *   curl -s -X POST localhost:8080/workflows/order_report/runs \
 *        -H 'content-type: application/json' -d '{"input":{"orderId":"A-17","delayMs":2000}}'
 *   curl -N localhost:8080/runs/RUN_ID/events        # Server-Sent Events, live
 *   open http://localhost:8080/runs/RUN_ID/view      # the live run page
 *
 * `expense_approval` waits for a decision; a run of it ends "waiting" until it is signalled:
 *
 *   curl -s -X POST localhost:8080/workflows/expense_approval/runs \
 *        -H 'content-type: application/json' -d '{"input":{"claimId":"C-9","amount":120}}'
 *   curl -s -X POST localhost:8080/runs/RUN_ID/signals/decision \
 *        -H 'content-type: application/json' -d '{"approved":true,"by":"ann"}'
 *
 * `npx tsx examples/server.ts --demo` starts the server on a free port, starts one run over HTTP,
 * prints its events as they stream, then the finished record, and stops.
 */
import { dag, signal } from "weftjs";
import { serve } from "weftjs/serve";
import { etl } from "./etl.js";
import { isMain } from "./main.js";

interface Order {
  id: string;
  items: { sku: string; qty: number; price: number }[];
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), {
      once: true,
    });
  });
}

/** Looks an order up, prices it (slowly, as a remote service would), and writes a line. */
export const orderReport = dag<{ orderId: string; delayMs: number }>("order_report")
  .node("fetch", { id: "input.orderId" }, ({ id }): Order => ({
    id,
    items: [
      { sku: "lamp", qty: 2, price: 19.5 },
      { sku: "desk", qty: 1, price: 120 },
    ],
  }))
  .node("price", { order: "fetch", delayMs: "input.delayMs" }, async ({ order, delayMs }, ctx) => {
    await sleep(delayMs, ctx.signal);
    return order.items.reduce((sum, i) => sum + i.qty * i.price, 0);
  })
  .node(
    "report",
    { order: "fetch", total: "price" },
    ({ order, total }) =>
      `order ${order.id}: ${order.items.length} lines, total ${total.toFixed(2)}`,
  )
  .build();

/** Waits (durably: no process is held) for a manager's decision on a claim, then books it. */
export const expenseApproval = dag<{ claimId: string; amount: number }>("expense_approval")
  .node("submit", { id: "input.claimId", amount: "input.amount" }, ({ id, amount }) => ({
    id,
    amount,
  }))
  .wait("decision", { claim: "submit" }, signal<{ approved: boolean; by: string }>(), {
    timeoutMs: 7 * 24 * 3600_000,
  })
  .node(
    "book",
    { claim: "submit", approved: "decision.approved", by: "decision.by" },
    ({ claim, approved, by }) =>
      approved
        ? `claim ${claim.id} (${claim.amount}) booked, approved by ${by}`
        : `claim ${claim.id} returned by ${by}`,
  )
  .build();

/** Starts a run over HTTP and prints its events as they stream, then the record. */
async function demo(): Promise<void> {
  const server = await serve({ workflows: [orderReport, etl], port: 0 });
  console.log("listening");
  try {
    const started = await fetch(`${server.url}/workflows/order_report/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: { orderId: "A-17", delayMs: 50 } }),
    });
    const { runId } = (await started.json()) as { runId: string };
    console.log(`POST /workflows/order_report/runs -> ${started.status}`);
    const events = await fetch(`${server.url}/runs/${runId}/events`);
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (let done = false; !done;) {
      const chunk = await reader.read();
      if (chunk.done) break;
      buf += chunk.value;
      for (let cut = buf.indexOf("\n\n"); cut >= 0; cut = buf.indexOf("\n\n")) {
        const data = buf
          .slice(0, cut)
          .split("\n")
          .find((l) => l.startsWith("data: "));
        buf = buf.slice(cut + 2);
        if (!data) continue;
        const e = JSON.parse(data.slice(6)) as { id: number; type: string; node?: string };
        console.log(`event ${e.id} ${e.type}${e.node ? ` ${e.node}` : ""}`);
        if (e.type === "run-complete") done = true;
      }
    }
    await reader.cancel();
    const record = (await (await fetch(`${server.url}/runs/${runId}`)).json()) as {
      status: string;
      output: string;
    };
    console.log(`${record.status}: ${record.output}`);
  } finally {
    await server.close();
  }
}

if (isMain(import.meta.url)) {
  if (process.argv.includes("--demo")) {
    await demo();
  } else {
    const server = await serve({
      workflows: [orderReport, expenseApproval, etl],
      port: Number(process.env.PORT ?? 8080),
    });
    console.log(`serving order_report, expense_approval and customer_etl on ${server.url}`);
    process.once("SIGINT", () => void server.close());
  }
}
