// Drives tsserver over its stdio protocol the way an editor does and reports the server's CPU
// time for one keystroke: open a generated workflow in the documented fragment style, wait for
// its diagnostics, then edit a reference, ask for completions there and for the file's
// diagnostics again.
//
//   npx tsx bench/types/editor.ts [N]      (N nodes, 1,000 by default)
//
// CPU is read from /proc/<pid>/stat (user + system) before and after the keystroke, so it counts
// the server's own work only, whatever else runs on the machine.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tsconfigText, writeChain } from "./gen.js";

const root = resolve(import.meta.dirname, "../..");
const tsserver = join(root, "node_modules/typescript/lib/tsserver.js");
const ticks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU (user + system) a live process has used so far, seconds, from /proc/<pid>/stat. */
export function processCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

interface Message {
  type: "response" | "event";
  request_seq?: number;
  command?: string;
  event?: string;
  success?: boolean;
  message?: string;
  body?: { request_seq?: number; entries?: unknown[]; diagnostics?: unknown[] };
}

/** One tsserver process and its request/response plumbing. */
class Server {
  private readonly child: ChildProcessWithoutNullStreams;
  private seq = 0;
  private buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, (m: Message) => void>();
  private readonly events: Message[] = [];

  constructor() {
    this.child = spawn(process.execPath, [tsserver, "--disableAutomaticTypingAcquisition"], {
      stdio: "pipe",
    });
    this.child.stdout.on("data", (chunk: Buffer) => this.read(chunk));
  }

  /** Server CPU (user + system) so far, seconds. */
  cpu(): number {
    return processCpu(this.child.pid as number);
  }

  /** Sends a request and resolves with its response (for `geterr`, its `requestCompleted` event). */
  request(command: string, args: unknown): Promise<Message> {
    const seq = ++this.seq;
    this.child.stdin.write(
      JSON.stringify({ seq, type: "request", command, arguments: args }) + "\n",
    );
    return new Promise((done) => this.waiting.set(seq, done));
  }

  /** Diagnostic events received so far. */
  diagnostics(): Message[] {
    return this.events.filter((e) => e.event === "semanticDiag" || e.event === "syntaxDiag");
  }

  stop(): void {
    this.child.kill();
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const header = this.buffer.indexOf("\r\n\r\n");
      if (header < 0) return;
      const length = Number(
        /Content-Length: (\d+)/.exec(this.buffer.subarray(0, header).toString())?.[1],
      );
      const start = header + 4;
      if (this.buffer.length < start + length) return;
      const m = JSON.parse(this.buffer.subarray(start, start + length).toString()) as Message;
      this.buffer = this.buffer.subarray(start + length);
      const seq =
        m.type === "response"
          ? m.request_seq
          : m.event === "requestCompleted"
            ? m.body?.request_seq
            : undefined;
      if (m.type === "event") this.events.push(m);
      if (seq !== undefined && (m.type === "response" ? m.command !== "geterr" : true)) {
        this.waiting.get(seq)?.(m);
        this.waiting.delete(seq);
      }
    }
  }
}

/** 1-based line and offset of the first occurrence of `needle` in `text`, plus `shift` characters. */
export function position(
  text: string,
  needle: string,
  shift = 0,
): { line: number; offset: number } {
  const at = text.indexOf(needle);
  if (at < 0) throw new Error(`'${needle}' is not in the generated workflow`);
  const before = text.slice(0, at + shift).split("\n");
  return { line: before.length, offset: before[before.length - 1].length + 1 };
}

export interface Keystroke {
  where: string;
  completions: number;
  /** Semantic diagnostics of the file after the edit. */
  diagnostics: number;
  /** Server CPU for the edit and the completion request, seconds. */
  completionCpuSeconds: number;
  /** Server CPU for the edit, the completions and the file's diagnostics, seconds. */
  cpuSeconds: number;
}

/** A directory with a tsconfig.json and a fragment-style workflow of `n` nodes. */
export function workspace(n: number): { dir: string; file: string; text: string } {
  const dir = mkdtempSync(join(tmpdir(), "weft-editor-"));
  writeFileSync(
    join(dir, "tsconfig.json"),
    tsconfigText(join(root, "node_modules/@types"), { include: ["*.ts"] }),
  );
  const file = writeChain(dir, n, join(root, "src/index.js"), "fragments");
  return { dir, file, text: readFileSync(file, "utf8") };
}

/** One edit of the generated text: the range replaced, the new text and where the caret ends. */
export interface Edit {
  where: string;
  start: { line: number; offset: number };
  end: { line: number; offset: number };
  insert: string;
  edited: string;
  caret: { line: number; offset: number };
}

/**
 * The two keystrokes timed: inside a fragment in the middle, `{ a: "fM_24.value" }` becomes
 * `{ a: "fM_24." }`; on the main chain, `.use(fragM)` gets a node after it reading `"fM_49."`.
 * Completions are asked right after the dot.
 */
export function edits(text: string, n: number): Edit[] {
  const mid = Math.floor(n / 100);
  const specs = [
    {
      where: `inside fragment ${mid}`,
      needle: `"f${mid}_24.value"`,
      from: `"f${mid}_24.`.length,
      to: `"f${mid}_24.value`.length,
      insert: "",
    },
    {
      where: "on the main chain",
      needle: `.use(frag${mid})`,
      from: `.use(frag${mid})`.length,
      to: `.use(frag${mid})`.length,
      insert: `.node("extra", { a: "f${mid}_49." }, ({ a }) => a)`,
    },
  ];
  return specs.map((e) => {
    const start = position(text, e.needle, e.from);
    const end = position(text, e.needle, e.to);
    const at = text.indexOf(e.needle);
    const edited = text.slice(0, at + e.from) + e.insert + text.slice(at + e.to);
    const caret = e.insert === "" ? start : position(edited, e.insert, e.insert.indexOf('."') + 1);
    return { where: e.where, start, end, insert: e.insert, edited, caret };
  });
}

/** Server CPU rounded to hundredths of a second. */
export const seconds = (s: number): number => Math.round(s * 100) / 100;

/**
 * Opens a fragment-style workflow of `n` nodes in tsserver and times two keystrokes (see
 * {@link edits}).
 */
export async function editorCost(n: number): Promise<{ openSeconds: number; keys: Keystroke[] }> {
  const { dir, file, text } = workspace(n);
  const server = new Server();
  try {
    const t0 = server.cpu();
    await server.request("open", { file, fileContent: text, projectRootPath: dir });
    await server.request("geterr", { files: [file], delay: 0 });
    const openSeconds = server.cpu() - t0;
    const keys: Keystroke[] = [];
    for (const e of edits(text, n)) {
      const before = server.cpu();
      const seen = server.diagnostics().length;
      await server.request("change", {
        file,
        line: e.start.line,
        offset: e.start.offset,
        endLine: e.end.line,
        endOffset: e.end.offset,
        insertString: e.insert,
      });
      const completion = await server.request("completionInfo", { file, ...e.caret });
      const completionCpu = server.cpu() - before;
      await server.request("geterr", { files: [file], delay: 0 });
      const cpuSeconds = server.cpu() - before;
      const semantic = server
        .diagnostics()
        .slice(seen)
        .filter((d) => d.event === "semanticDiag");
      keys.push({
        where: e.where,
        completions: completion.body?.entries?.length ?? 0,
        diagnostics: semantic.reduce((sum, d) => sum + (d.body?.diagnostics?.length ?? 0), 0),
        completionCpuSeconds: seconds(completionCpu),
        cpuSeconds: seconds(cpuSeconds),
      });
      // Undo, so the next keystroke starts from the generated workflow.
      await server.request("change", {
        file,
        line: 1,
        offset: 1,
        endLine: e.edited.split("\n").length + 1,
        endOffset: 1,
        insertString: text,
      });
      await server.request("geterr", { files: [file], delay: 0 });
    }
    return { openSeconds: seconds(openSeconds), keys };
  } finally {
    server.stop();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() as string)) {
  const n = Number(process.argv[2] ?? 1000);
  const r = await editorCost(n);
  console.log(`${n} nodes, fragments of 50: open + first diagnostics ${r.openSeconds} s CPU`);
  console.table(r.keys);
}
