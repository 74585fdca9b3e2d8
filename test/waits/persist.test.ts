import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deployment } from "../../examples/deployment.js";
import { memoryStore, persist, sqliteStore } from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "weft-persist-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("persist: event-driven machines kept in a store", () => {
  it("saves every transition; a later opener continues where the last one stopped", async () => {
    const db = join(dir, "deploys.sqlite");
    const first = sqliteStore(db);
    const d = await persist(deployment, first, "deploy-42", { approvers: [], attempts: 0 });
    expect(d.instance.state).toBe("idle");
    await d.send("deploy", { version: "2.4.0" });
    await d.send("built");
    await d.send("tests_passed");
    first.close();
    // Another process, days later.
    const second = sqliteStore(db);
    const again = await persist(deployment, second, "deploy-42", { approvers: [], attempts: 0 });
    expect(again.instance.state).toBe("awaiting_approval");
    expect(again.instance.context.version).toBe("2.4.0");
    await again.send("approve", { by: "ana" });
    await again.send("approve", { by: "bo" });
    expect(again.instance.state).toBe("live");
    const third = await persist(deployment, second, "deploy-42", { approvers: [], attempts: 0 });
    expect(third.instance.context.approvers).toEqual(["ana", "bo"]);
    expect(await third.forget()).toBe(true);
    const fresh = await persist(deployment, second, "deploy-42", { approvers: [], attempts: 0 });
    expect(fresh.instance.state).toBe("idle");
    second.close();
  });

  it("keeps instances apart by id", async () => {
    const store = memoryStore();
    const a = await persist(deployment, store, "a", { approvers: [], attempts: 0 });
    await a.send("deploy", { version: "1.0.0" });
    const b = await persist(deployment, store, "b", { approvers: [], attempts: 0 });
    expect(b.instance.state).toBe("idle");
    expect(
      (await persist(deployment, store, "a", { approvers: [], attempts: 0 })).instance.state,
    ).toBe("building");
  });
});
