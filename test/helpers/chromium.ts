/**
 * Debian's Chromium for browser tests, launched the same way by each: headless, no sandbox (tests
 * run as root), and no background networking (this machine reaches no outside host).
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is installed; warns, naming `what`, when it is not (the test is skipped). */
export function hasChromium(what: string): boolean {
  const found = existsSync(CHROMIUM);
  if (!found) {
    console.warn(`skipping ${what}: ${CHROMIUM} does not exist (apt-get install -y chromium)`);
  }
  return found;
}

/** Starts headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
