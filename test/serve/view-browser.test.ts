import { statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { CHROMIUM, hasChromium, launchChromium } from "../helpers/chromium.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve, type WeftServer } from "../../src/serve/index.js";
import { approval, gated, gates, readSse, waitForRun } from "./helpers.js";

const chromiumFound = hasChromium("the live run page browser test");

describe.skipIf(!chromiumFound)(`the live run page in headless Chromium (${CHROMIUM})`, () => {
  let browser: Browser;
  let server: WeftServer;
  const token = "view-token";
  beforeAll(async () => {
    server = await serve({ workflows: [gated, approval], token });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows a node turn from running to completed without a reload", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const res = await fetch(`${server.url}/workflows/gated/runs`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ input: { gate: "browser" } }),
    });
    const { runId } = (await res.json()) as { runId: string };
    await readSse(`${server.url}/runs/${runId}/events`, {
      headers: auth,
      until: (e) => e.event === "node-start" && JSON.parse(e.data).node === "wait",
    });

    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}/runs/${runId}/view?access_token=${token}`);
    const node = page.locator('#diagram g[data-node="wait"]');
    await expect.poll(() => node.getAttribute("data-status")).toBe("running");
    expect(await page.locator('#diagram g[data-node="first"]').getAttribute("data-status")).toBe(
      "completed",
    );
    await expect
      .poll(() => page.locator('#timeline .row[data-node="wait"]').getAttribute("data-status"))
      .toBe("running");
    // A marker that a reload would wipe.
    await page.evaluate(() => {
      (globalThis as unknown as { weftMarker: number }).weftMarker = 42;
    });
    const colourBefore = await node.locator("polygon,path,ellipse").first().getAttribute("fill");

    gates.release("browser");
    await expect.poll(() => node.getAttribute("data-status")).toBe("completed");
    await expect.poll(() => page.locator("body").getAttribute("data-run-status")).toBe("completed");
    expect(await page.locator('#diagram g[data-node="last"]').getAttribute("data-status")).toBe(
      "completed",
    );
    expect(await page.locator('#timeline .row[data-node="wait"]').getAttribute("data-status")).toBe(
      "completed",
    );
    expect(await page.locator("#run-status").textContent()).toBe("completed");
    expect(await page.locator("#run-summary").textContent()).toContain(
      "3 executed, 0 skipped, 0 failed",
    );
    expect(
      await page.evaluate(() => (globalThis as unknown as { weftMarker?: number }).weftMarker),
    ).toBe(42);
    const colourAfter = await node.locator("polygon,path,ellipse").first().getAttribute("fill");
    expect(colourBefore).toBe("#dbeafe");
    expect(colourAfter).toBe("#dcfce7");

    // Clicking the node shows its live status in the inspector.
    await node.click();
    expect(await page.locator('#inspector [data-field="status"]').textContent()).toBe("completed");

    const shot = join(tmpdir(), `weft-serve-live-view-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`live run page screenshot: ${shot}`);
    expect(statSync(shot).size).toBeGreaterThan(1000);

    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith(server.url))).toBe(true);
    await page.close();
  });

  it("shows a waiting run turn running, then completed, when it is signalled", async () => {
    const auth = { authorization: `Bearer ${token}` };
    const res = await fetch(`${server.url}/workflows/approval/runs`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ input: { title: "browser" } }),
    });
    const { runId } = (await res.json()) as { runId: string };
    expect((await waitForRun(server.url, runId, auth)).status).toBe("waiting");

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}/runs/${runId}/view?access_token=${token}`);
    const body = page.locator("body");
    const wait = page.locator('#diagram g[data-node="approve"]');
    const publish = page.locator('#diagram g[data-node="publish"]');
    await expect.poll(() => body.getAttribute("data-live")).toBe("open");
    await expect.poll(() => wait.getAttribute("data-status")).toBe("waiting");
    expect(await body.getAttribute("data-run-status")).toBe("waiting");
    expect(await page.locator("#run-status").textContent()).toBe("waiting");

    // Seen by the page while it happens: a flag set on the first "running" it shows (old values
    // too: two changes in one task reach the observer together). Page code, as text: the tests
    // are compiled without the DOM's types.
    await page.evaluate(`
      new MutationObserver((records) => {
        for (const r of records) if (r.oldValue === "running") window.sawRunning = true;
        if (document.body.getAttribute("data-run-status") === "running") window.sawRunning = true;
      }).observe(document.body, { attributes: true, attributeFilter: ["data-run-status"], attributeOldValue: true });
    `);
    const sent = await fetch(`${server.url}/runs/${runId}/signals/approve`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ ok: true, by: "ann" }),
    });
    expect(sent.status).toBe(202);
    await expect.poll(() => body.getAttribute("data-run-status")).toBe("completed");
    expect(
      await page.evaluate(() => (globalThis as unknown as { sawRunning?: boolean }).sawRunning),
    ).toBe(true);
    expect(await wait.getAttribute("data-status")).toBe("completed");
    expect(await publish.getAttribute("data-status")).toBe("completed");
    expect(await page.locator("#run-status").textContent()).toBe("completed");
    expect(errors).toEqual([]);
    await page.close();
  });
});
