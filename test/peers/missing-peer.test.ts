/** Optional peers: a missing one becomes an error that says what to install. */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { MissingPeerError, missingPeer } from "../../src/peers/missing-peer.js";

async function importError(specifier: string): Promise<unknown> {
  try {
    await import(/* @vite-ignore */ specifier);
  } catch (err) {
    return err;
  }
  throw new Error(`${specifier} loaded`);
}

function requireError(specifier: string): unknown {
  try {
    createRequire(import.meta.url)(specifier);
  } catch (err) {
    return err;
  }
  throw new Error(`${specifier} loaded`);
}

describe("missingPeer", () => {
  it("turns a failed require of the package into '<feature> needs <package>: npm i <package>'", () => {
    const err = missingPeer(
      requireError("weftjs-absent-driver"),
      "weftjs-absent-driver",
      "sqliteStore",
    );
    expect(err).toBeInstanceOf(MissingPeerError);
    expect(err?.message).toBe("sqliteStore needs weftjs-absent-driver: npm i weftjs-absent-driver");
    expect(err?.packageName).toBe("weftjs-absent-driver");
  });

  it("does the same for a failed dynamic import, with the install command given", async () => {
    const err = missingPeer(
      await importError("weftjs-absent-tool"),
      "weftjs-absent-tool",
      "weft compile",
      "npm i -D",
    );
    expect(err?.message).toBe("weft compile needs weftjs-absent-tool: npm i -D weftjs-absent-tool");
  });

  it("leaves other failures alone: another missing package, or an error that is not resolution", async () => {
    expect(missingPeer(await importError("weftjs-other"), "piscina", "threads")).toBeUndefined();
    expect(
      missingPeer(new Error("Cannot find package 'piscina'"), "piscina", "threads"),
    ).toBeUndefined();
  });
});
