/**
 * `npm run pack:check`: the package as users get it. Packs weftjs (`npm pack`, which builds dist/),
 * installs the tarball into a fresh project in a temp folder and checks:
 * - the install compiles no native code, takes under 20 s and adds under 10 MB to node_modules;
 * - `import { dag } from "weftjs"` loads in under 50 ms (best of ten fresh processes; a miss below
 *   75 ms is a WARN, as noise on this machine is a few ms);
 * - a tiny workflow runs, and `weft run` runs a graph file with a registry module;
 * - features whose optional peer is missing say what to install;
 * - a consumer type-checks against the packed declarations on TypeScript 5.9, 6.0 and 7.0 with
 *   moduleResolution bundler, node16 and nodenext, without skipLibCheck.
 * Every check prints one line; the exit code is the number of failed checks (0: all passed).
 *
 * Environment: WEFT_PACK_CACHE=DIR keeps the TypeScript installs between runs (default: inside the
 * temp folder, removed at the end); WEFT_PACK_KEEP=1 keeps the temp folder for inspection.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const LIMITS = { installMs: 20_000, installBytes: 10 * 1024 * 1024, importMs: 50 };
const TYPESCRIPT = ["5.9", "6.0", "7.0"] as const;
const RESOLUTIONS = [
  { moduleResolution: "bundler", module: "esnext" },
  { moduleResolution: "node16", module: "node16" },
  { moduleResolution: "nodenext", module: "nodenext" },
] as const;
/** Each command is bounded, so a stuck install fails the check instead of hanging CI. */
const STEP_TIMEOUT_MS = 300_000;

let failures = 0;
const started = Date.now();
/**
 * Timing limits are judged only on a machine that is not overloaded: with more runnable processes
 * than cores, a miss is printed as WARN with the load, not counted as a failure.
 */
const cores = os.cpus().length;
const load = (): number => os.loadavg()[0];

function report(ok: boolean, what: string, detail = ""): void {
  if (!ok) failures++;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? `  ${detail}` : ""}`);
}

function reportTiming(ok: boolean, what: string, detail: string): void {
  if (ok || load() <= cores) return report(ok, what, detail);
  console.log(
    `WARN ${what}  ${detail}  (load average ${load().toFixed(1)} on ${cores} cores: not judged)`,
  );
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    timeout: STEP_TIMEOUT_MS,
    // No inherited NODE_OPTIONS: the consumer resolves weftjs as any project would.
    env: { ...process.env, NODE_OPTIONS: "", WEFT_SOURCE: "", ...env },
  });
}

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  return run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], cwd);
}

function output(r: SpawnSyncReturns<string>): string {
  return `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`.trim();
}

/** Bytes of the files under `dir`, and what they take on disk (whole blocks), like `du`. */
function dirBytes(dir: string): { bytes: number; disk: number } {
  const total = { bytes: 0, disk: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = dirBytes(full);
      total.bytes += sub.bytes;
      total.disk += sub.disk;
    } else if (entry.isFile()) {
      const st = statSync(full);
      total.bytes += st.size;
      total.disk += st.blocks * 512;
    }
  }
  return total;
}

function findFiles(dir: string, test: (name: string) => boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findFiles(full, test, out);
    else if (test(entry.name)) out.push(full);
  }
  return out;
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

const tmp = mkdtempSync(path.join(os.tmpdir(), "weftjs-pack-"));
const cache = process.env.WEFT_PACK_CACHE ?? path.join(tmp, "typescript");
try {
  main();
} finally {
  if (process.env.WEFT_PACK_KEEP) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
console.log(
  `\n${failures === 0 ? "pack check passed" : `${failures} check(s) failed`} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
process.exitCode = failures;

function main(): void {
  // 1. Pack (npm runs `prepare`, which builds dist/).
  const packed = npm(["pack", "--json", "--pack-destination", tmp], ROOT);
  if (packed.status !== 0) {
    report(false, "npm pack", output(packed));
    return;
  }
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as {
    filename: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
  }[];
  const tarball = path.join(tmp, info[0].filename);
  report(
    true,
    "npm pack",
    `${info[0].filename}: ${mb(info[0].size)} packed, ${mb(info[0].unpackedSize)} unpacked, ${info[0].entryCount} files`,
  );

  // 2. Install into a fresh project.
  const app = path.join(tmp, "app");
  mkdirSync(app);
  writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify({ name: "weftjs-consumer", private: true, type: "module" }, null, 2),
  );
  const t0 = Date.now();
  const installed = npm(["install", tarball, "--foreground-scripts"], app);
  const installMs = Date.now() - t0;
  if (installed.status !== 0) {
    report(false, "npm install of the tarball", output(installed));
    return;
  }
  const modules = path.join(app, "node_modules");
  report(
    installMs < LIMITS.installMs,
    "install time",
    `${(installMs / 1000).toFixed(1)} s (limit 20 s)`,
  );
  const size = dirBytes(modules);
  report(
    size.disk < LIMITS.installBytes,
    "node_modules size",
    `${mb(size.disk)} on disk, ${mb(size.bytes)} of files (limit 10 MB)`,
  );
  const native = findFiles(modules, (n) => n.endsWith(".node") || n === "binding.gyp");
  const heavy = ["better-sqlite3", "esbuild", "ts-morph", "tsx", "piscina", "typescript"].filter(
    (p) => existsSync(path.join(modules, p)),
  );
  report(
    native.length === 0 &&
      heavy.length === 0 &&
      !/gyp|node-pre-gyp|prebuild/.test(output(installed)),
    "no native build, no tooling installed",
    native.length + heavy.length > 0 ? [...heavy, ...native].join(", ") : "",
  );

  // 3. Import time: the best of several fresh processes (a loaded machine adds noise, not cost).
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const r = run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const t = performance.now(); const { dag } = await import("weftjs"); if (typeof dag !== "function") process.exit(2); console.log(performance.now() - t);',
      ],
      app,
    );
    if (r.status === 0) times.push(Number(r.stdout.trim()));
    else report(false, "import weftjs", output(r));
  }
  if (times.length > 0) {
    const best = Math.min(...times);
    // Measured times sit close to the target (44-49 ms idle here), so a miss under 1.5x the
    // target is a WARN: noise must not fail CI, and a real regression (the unbundled layout took
    // about 100 ms) still does.
    const what = 'import { dag } from "weftjs"';
    if (best >= LIMITS.importMs && best < LIMITS.importMs * 1.5) {
      console.log(
        `WARN ${what}  ${best.toFixed(1)} ms best of ${times.length}: over the 50 ms target, under the 75 ms failure line`,
      );
    } else
      reportTiming(
        best < LIMITS.importMs,
        what,
        `${best.toFixed(1)} ms best of ${times.length} (all: ${times.map((t) => t.toFixed(0)).join(", ")} ms; limit 50 ms)`,
      );
  }

  // 4. A tiny workflow, a graph file run by the command, and the missing-peer messages.
  writeFileSync(
    path.join(app, "fns.js"),
    `export const double = ({ x }) => x * 2;\nexport const inc = ({ y }) => y + 1;\n`,
  );
  writeFileSync(
    path.join(app, "wf.js"),
    [
      'import { dag, graphToJson } from "weftjs";',
      'import { writeFileSync } from "node:fs";',
      'import { double, inc } from "./fns.js";',
      'export const wf = dag("tiny").node("double", { x: "input.x" }, double).node("inc", { y: "double" }, inc).build();',
      "const run = await wf.run({ x: 20 });",
      'writeFileSync("tiny.graph.json", graphToJson(wf.graph));',
      "console.log(run.status, run.output);",
    ].join("\n"),
  );
  const tiny = run(process.execPath, ["wf.js"], app);
  report(tiny.stdout.trim() === "completed 41", "a tiny workflow runs", output(tiny));
  const weft = path.join(modules, ".bin", "weft");
  const help = run(weft, ["--help"], app);
  report(
    help.status === 0 && help.stdout.includes("Usage: weft"),
    "weft --help",
    help.status === 0 ? "" : output(help),
  );
  const cli = run(
    weft,
    ["run", "tiny.graph.json", "--registry", "fns.js", "--input", '{"x":1}', "--no-progress"],
    app,
  );
  report(
    cli.status === 0 && /"output":\s*3/.test(cli.stdout),
    "weft run tiny.graph.json --registry fns.js",
    cli.status === 0 ? "" : output(cli),
  );
  const peers: [string, string][] = [
    [
      'const { sqliteStore } = await import("weftjs"); sqliteStore("x.sqlite");',
      "sqliteStore needs better-sqlite3: npm i better-sqlite3",
    ],
    ['await import("weftjs/testing");', '"weftjs/testing" needs fast-check: npm i fast-check'],
    ['await import("weftjs/compiler");', "ts-morph"],
  ];
  for (const [code, expected] of peers) {
    const r = run(process.execPath, ["--input-type=module", "-e", code], app);
    report(
      r.status !== 0 && output(r).includes(expected),
      `missing peer: ${expected}`,
      r.status !== 0 ? "" : "no error",
    );
  }
  const compileTs = run(weft, ["compile", "wf.js", "--out", "out"], app);
  report(
    compileTs.status !== 0 &&
      output(compileTs).includes("weft compile needs ts-morph: npm i -D ts-morph"),
    "weft compile without ts-morph says what to install",
    compileTs.status !== 0 ? "" : "no error",
  );

  // 5. Types: the consumer's own install of the peers its code uses, then each TypeScript.
  const deps = npm(["install", "--no-save", "@types/node@20", "fast-check@4", "ts-morph@28"], app);
  if (deps.status !== 0) {
    report(false, "install @types/node, fast-check, ts-morph for the type checks", output(deps));
    return;
  }
  writeFileSync(
    path.join(app, "consumer.ts"),
    [
      'import { dag, fsm, next, stop, sqliteStore, type RunEvent } from "weftjs";',
      'import { dagSpecArbitrary } from "weftjs/testing";',
      'import { WeftProject } from "weftjs/compiler";',
      'const wf = dag<{ n: number }>("typed").node("a", { n: "input.n" }, ({ n }) => n + 1).build();',
      "const run = await wf.run({ n: 1 }, { onEvent: (e: RunEvent) => void e, checkpoint: sqliteStore(':memory:') });",
      'const out: number | undefined = run.get("a");',
      'const m = fsm("m").states("a").initial("a").state("a", () => stop("a")).build({ maxCycles: 2 });',
      "void next; void m; void out; void dagSpecArbitrary; void WeftProject;",
      "export {};",
    ].join("\n"),
  );
  for (const version of TYPESCRIPT) {
    const dir = path.join(cache, version);
    // TypeScript 7 is a native binary behind the same `tsc` command.
    const tsc = path.join(dir, "node_modules", ".bin", "tsc");
    if (!existsSync(tsc)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, "package.json"), '{"private":true}');
      const r = npm(["install", `typescript@~${version}.0`], dir);
      if (r.status !== 0) {
        report(false, `install TypeScript ${version}`, output(r));
        continue;
      }
    }
    const exact = execFileSync(tsc, ["--version"], { encoding: "utf8" }).trim();
    for (const res of RESOLUTIONS) {
      const config = `tsconfig.${res.moduleResolution}.json`;
      writeFileSync(
        path.join(app, config),
        JSON.stringify({
          compilerOptions: {
            target: "es2022",
            module: res.module,
            moduleResolution: res.moduleResolution,
            lib: ["es2023"],
            types: ["node"],
            strict: true,
            noEmit: true,
            skipLibCheck: false,
          },
          files: ["consumer.ts"],
        }),
      );
      const r = run(tsc, ["-p", config], app);
      report(
        r.status === 0,
        `types: ${exact}, moduleResolution ${res.moduleResolution}`,
        r.status === 0 ? "" : output(r).split("\n").slice(0, 8).join("\n"),
      );
    }
  }
}
