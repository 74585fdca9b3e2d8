import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { CHROMIUM, hasChromium, launchChromium } from "../helpers/chromium.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHtml } from "../../src/index.js";
import { deployGraph, etlGraph, etlRun } from "../serialize/fixtures.js";

const chromiumFound = hasChromium("the HTML browser test");

describe.skipIf(!chromiumFound)(`toHtml in headless Chromium (${CHROMIUM})`, () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), "weft-html-"));
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("clicking a node shows its name, type, inputs and run in the inspector", async () => {
    const file = join(dir, "etl.html");
    writeFileSync(file, await toHtml(etlGraph, { run: etlRun }));
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href);

    await page.click('#diagram g[data-node="clean"]');
    const inspector = page.locator("#inspector");
    await expect.poll(() => inspector.getAttribute("data-selected")).toBe("clean");
    expect(await inspector.locator('[data-field="name"]').textContent()).toBe("clean");
    expect(await inspector.locator('[data-field="kind"]').textContent()).toBe("task");
    expect(await inspector.locator('[data-field="type"]').textContent()).toBe("Row[]");
    expect(await inspector.locator('[data-field="inputs"]').textContent()).toBe(
      "load -> rows: Row[]",
    );
    expect(await inspector.locator('[data-field="status"]').textContent()).toBe("completed");
    expect(await inspector.locator('[data-field="run"]').textContent()).toBe(
      "completed · 3 ms, from 12 to 15 ms, 1 attempt",
    );
    expect(await page.locator('#diagram g[data-node="clean"]').getAttribute("class")).toContain(
      "selected",
    );

    // Inputs link to the upstream node.
    await inspector.locator('[data-field="inputs"] a').click();
    await expect.poll(() => inspector.getAttribute("data-selected")).toBe("load");
    expect(await inspector.locator('[data-field="source"]').textContent()).toBe("etl.ts:4:3");
    expect(await inspector.locator('[data-field="doc"]').textContent()).toBe("Reads the rows.");

    // A node inside a sub-workflow; then a failed node picked from the timeline.
    await page.click('#diagram g[data-node="nested.read"]');
    expect(await inspector.locator('[data-field="name"]').textContent()).toBe("nested.read");
    await page.click('#timeline .row[data-node="each"]');
    expect(await inspector.locator('[data-field="error"]').textContent()).toBe("bad row");

    expect(await page.locator("#timeline .row").count()).toBe(8);
    expect(errors).toEqual([]);
    expect(requests.every((u) => u.startsWith("file:"))).toBe(true);
    await page.close();
  });

  it("works for a state machine loaded with setContent", async () => {
    const page = await browser.newPage();
    await page.setContent(await toHtml(deployGraph));
    await page.click('g[data-node="deploying"]');
    expect(await page.locator('#inspector [data-field="name"]').textContent()).toBe("deploying");
    expect(await page.locator('#inspector [data-field="outputs"]').textContent()).toBe(
      "live (OK)failed (ERROR / action)",
    );
    await page.close();
  });
});
