/** `weft run --break`: the interactive debug session, driven through piped stdin of the real CLI. */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../compiler/helpers.js";

const tmp = mkdtempSync(path.join(tmpdir(), "weft-debug-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CSV = path.join(ROOT, "examples/data/customers.csv");

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `weft ARGS` from the sources with `stdin` piped in, then closed. */
function weft(stdin: string, ...args: string[]): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/weft.js"), ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", WEFT_SOURCE: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

const input = (file: string) => JSON.stringify({ path: file, minAge: 18, batchOver: 10 });

/** The session's replies: stderr split at the prompts. */
const replies = (stderr: string) => stderr.split("(weft) ").map((s) => s.trim());

describe("weft run --break", () => {
  it("pauses at a breakpoint; args, print, results, step and continue answer; the record goes to stdout", async () => {
    const r = await weft(
      "args\np args.minAge >= 18\np load.length\nresults\np big\nstep\np clean.length\nbogus\nc\n",
      "run",
      "examples/etl.ts",
      "--input",
      input(CSV),
      "--break",
      "clean",
      "--break",
      'load:args.path.endsWith(".gz")',
    );
    expect(r.code).toBe(0);
    const out = replies(r.stderr);
    expect(out[0]).toBe(
      [
        `debugging workflow 'customer_etl' (7 nodes); breakpoints: clean, load when args.path.endsWith(".gz"). Type help for commands.`,
        "paused before node 'clean' (#2)",
      ].join("\n"),
    );
    expect(JSON.parse(out[1])).toMatchObject({ minAge: 18, rows: { length: 6 } });
    expect(out[2]).toBe("true");
    expect(out[3]).toBe("undefined"); // `load.length`: no name `load` in expressions; `results.load` is
    expect(Object.keys(JSON.parse(out[4]) as object)).toEqual(["load"]);
    expect(out[5]).toBe("'big' has no result yet");
    expect(out[6]).toBe("paused before node 'big' (#3)");
    expect(out[7]).toBe("undefined");
    expect(out[8]).toBe("unknown command 'bogus'; type help for the commands");
    expect(out[9]).toBe("run ended: completed");
    const record = JSON.parse(r.stdout) as { status: string; output: string };
    expect(record.status).toBe("completed");
    expect(record.output).toBe(
      "4 customers loaded (inline): Ada Lovelace, Alan Turing, Grace Hopper, Edsger Dijkstra",
    );
  }, 240_000);

  it("a conditional breakpoint pauses only when its condition holds", async () => {
    const gz = path.join(tmp, "customers.csv.gz");
    copyFileSync(CSV, gz);
    const args = ["run", "examples/etl.ts", "--break", 'load:args.path.endsWith(".gz")'];
    const hit = await weft("p results.load\nc\n", ...args, "--input", input(gz));
    expect(replies(hit.stderr)[0]).toMatch(/paused before node 'load' \(#1\)$/);
    expect(replies(hit.stderr)[1]).toBe("undefined");
    expect(hit.code).toBe(0);
    const miss = await weft("", ...args, "--input", input(CSV));
    expect(miss.stderr).not.toContain("paused");
    expect(miss.stderr).toContain("run ended: completed");
    expect(miss.code).toBe(0);
  }, 240_000);

  it("quit aborts the run; so does the end of input while paused", async () => {
    const quit = await weft(
      "q\n",
      "run",
      "examples/etl.ts",
      "--input",
      input(CSV),
      "--break",
      "clean",
    );
    expect(quit.stderr).toContain("run ended: cancelled");
    expect(JSON.parse(quit.stdout)).toMatchObject({ status: "cancelled" });
    expect(quit.code).toBe(1);

    const eof = await weft("", "run", "examples/etl.ts", "--input", input(CSV), "--break", "clean");
    expect(eof.stderr).toContain("end of input: aborting the run");
    expect(eof.code).toBe(1);
  }, 240_000);

  it("bad breakpoints are clear errors, before anything runs", async () => {
    const typo = await weft(
      "",
      "run",
      "examples/etl.ts",
      "--input",
      input(CSV),
      "--break",
      "claen",
    );
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(
      "--break: debug 'customer_etl': breakpoint on unknown node 'claen' (did you mean 'clean'?)",
    );
    const syntax = await weft(
      "",
      "run",
      "examples/etl.ts",
      "--input",
      input(CSV),
      "--break",
      "load:args.path ==",
    );
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toContain("--break 'load:args.path ==': unexpected end of expression");
  }, 240_000);

  it("debugs a function-return machine per visit", async () => {
    const r = await weft(
      "p ctx.visit\nc\np ctx.visit\np results.yellow\nc\n",
      "run",
      "examples/traffic-light.ts",
      "--workflow",
      "light",
      "--input",
      '{"limit":2}',
      "--break",
      "yellow:ctx.visit >= 0",
    );
    const out = replies(r.stderr);
    expect(out[0]).toMatch(
      /^debugging machine 'traffic_light' \(3 states\).*\npaused before state 'yellow' \(#3\)$/,
    );
    expect(out[1]).toBe("0");
    expect(out[2]).toBe("paused before state 'yellow' (#6)");
    expect(out[3]).toBe("1");
    expect(out[4]).toBe('"round 1"');
    expect(out[5]).toBe("run ended: stopped");
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "stopped", output: "off" });
    expect(r.code).toBe(0);
  }, 240_000);
});
