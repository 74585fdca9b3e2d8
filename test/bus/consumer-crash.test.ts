import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventBus, sqliteLog } from "../../src/bus/index.js";
import { sqliteStore } from "../../src/index.js";
import { killAfterLines, lines } from "../helpers/crash.js";

const dir = mkdtempSync(join(tmpdir(), "weft-bus-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CONSUMER = "test/bus/fixtures/consumer.ts";

describe("a bus consumer killed mid-batch", { timeout: 120_000 }, () => {
  it("resumes at its committed offset with nothing lost", async () => {
    const db = join(dir, "mail.sqlite");
    const log = join(dir, "handled.log");
    const N = 300;
    const store = sqliteStore(db);
    const bus = eventBus<{ mail: { to: string } }>({ store });
    await bus.publishMany(
      "mail",
      Array.from({ length: N }, (_, i) => ({ to: `user${i}@example.org` })),
    );
    await bus.close();
    store.close();

    // Killed once it has handled 120 events: in its third batch of 50.
    await killAfterLines(CONSUMER, [db, log, "forever"], log, 120);
    const before = lines(log).map(Number);
    expect(before.length).toBeGreaterThanOrEqual(120);
    expect(before).toEqual(before.map((_, i) => i + 1));
    const offsets = sqliteLog(db);
    const committed = offsets.offset("mailer", "mail") as number;
    offsets.close();
    // Batches are committed whole: the offset is past a batch boundary, and not past the kill.
    expect((committed - 1) % 50).toBe(0);
    expect(committed).toBeGreaterThan(1);
    expect(committed).toBeLessThanOrEqual(before.length + 1);

    const drained = spawnSync(process.execPath, ["--import", "tsx", CONSUMER, db, log, "drain"], {
      encoding: "utf8",
    });
    expect(drained.status).toBe(0);
    expect(JSON.parse(drained.stdout.trim())).toEqual({ first: committed });
    const all = lines(log).map(Number);
    // Nothing lost; what came twice is exactly the uncommitted part of the killed batch.
    expect(new Set(all).size).toBe(N);
    expect(all.slice(before.length)).toEqual(
      Array.from({ length: N - committed + 1 }, (_, i) => committed + i),
    );
  });
});
