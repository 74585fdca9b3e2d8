/**
 * A select router: support tickets go to billing, engineering or the front desk.
 * Run: npx tsx examples/select-router.ts
 */
import { dag, select } from "weftjs";
import { isMain } from "./main.js";

export interface Ticket {
  id: number;
  text: string;
}

export const triage = dag<{ ticket: Ticket }>("ticket_triage")
  .select("route", { t: "input.ticket" }, ({ t }) => {
    const text = t.text.toLowerCase();
    if (text.includes("invoice") || text.includes("refund")) return select("billing", t);
    if (text.includes("error") || text.includes("crash"))
      return select("engineering", { ...t, severity: 2 });
    return select("desk", t.id);
  })
  .node("billing", { t: "route.billing" }, ({ t }) => `billing handles #${t.id}`)
  .node(
    "engineering",
    { t: "route.engineering" },
    ({ t }) => `engineering handles #${t.id} (sev ${t.severity})`,
  )
  .node("desk", { id: "route.desk" }, ({ id }) => `front desk handles #${id}`)
  .any("assigned", { who: ["billing", "engineering", "desk"] }, ({ who }) => ({
    team: who.from,
    note: who.value,
  }))
  .build();

if (isMain(import.meta.url)) {
  for (const text of ["Refund my invoice", "App crash on start", "Hello!"]) {
    const run = await triage.run({ ticket: { id: text.length, text } });
    console.log(JSON.stringify(run.output));
  }
}
