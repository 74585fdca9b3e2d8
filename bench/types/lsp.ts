// The editor keystrokes of editor.ts, driven over the Language Server Protocol of TypeScript 7
// (`tsc --lsp --stdio`).
//
//   npx tsx bench/types/lsp.ts EXE [N]
//
// EXE is TypeScript 7's native compiler, e.g. after `npm i --prefix /tmp/ts7 typescript@7`:
// /tmp/ts7/node_modules/@typescript/typescript-linux-x64/lib/tsc (the `bin/tsc` script only
// starts it, so its own CPU would not count the server's work).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { pathToFileURL } from "node:url";
import { edits, processCpu, seconds, workspace, type Keystroke } from "./editor.js";

interface RpcMessage {
  id?: number | string;
  method?: string;
  params?: { items?: unknown[] };
  result?: unknown;
  error?: { message: string };
}

/** One language server and its JSON-RPC plumbing; requests from the server get empty answers. */
class LanguageServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private id = 0;
  private buffer = Buffer.alloc(0);
  private readonly waiting = new Map<number, (m: RpcMessage) => void>();

  constructor(exe: string) {
    this.child = spawn(exe, ["--lsp", "--stdio"], { stdio: "pipe" });
    this.child.stdout.on("data", (chunk: Buffer) => this.read(chunk));
  }

  cpu(): number {
    return processCpu(this.child.pid as number);
  }

  request(method: string, params: unknown): Promise<RpcMessage> {
    const id = ++this.id;
    this.send({ jsonrpc: "2.0", id, method, params });
    return new Promise((done) => this.waiting.set(id, done));
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: "2.0", method, params });
  }

  stop(): void {
    this.child.kill();
  }

  private send(message: unknown): void {
    const body = Buffer.from(JSON.stringify(message));
    this.child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.child.stdin.write(body);
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const header = this.buffer.indexOf("\r\n\r\n");
      if (header < 0) return;
      const head = this.buffer.subarray(0, header).toString();
      const length = Number(/Content-Length: (\d+)/i.exec(head)?.[1]);
      const start = header + 4;
      if (this.buffer.length < start + length) return;
      const m = JSON.parse(this.buffer.subarray(start, start + length).toString()) as RpcMessage;
      this.buffer = this.buffer.subarray(start + length);
      if (m.method !== undefined && m.id !== undefined) {
        // workspace/configuration wants one answer per item; everything else accepts null.
        const result =
          m.method === "workspace/configuration" ? (m.params?.items ?? []).map(() => null) : null;
        this.send({ jsonrpc: "2.0", id: m.id, result });
      } else if (m.method === undefined && typeof m.id === "number") {
        this.waiting.get(m.id)?.(m);
        this.waiting.delete(m.id);
      }
    }
  }
}

/** Items of a completion answer (a list or `{ items }`). */
function count(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  const items = (result as { items?: unknown[] } | null)?.items;
  return items?.length ?? 0;
}

/** Items of a pull-diagnostics answer. */
function diagnosticCount(result: unknown): number {
  return (result as { items?: unknown[] } | null)?.items?.length ?? 0;
}

export async function lspCost(
  exe: string,
  n: number,
): Promise<{ openSeconds: number; keys: Keystroke[] }> {
  const { dir, file, text } = workspace(n);
  const uri = pathToFileURL(file).href;
  const server = new LanguageServer(exe);
  try {
    const t0 = server.cpu();
    const init = await server.request("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(dir).href,
      workspaceFolders: [{ uri: pathToFileURL(dir).href, name: "bench" }],
      capabilities: { textDocument: { completion: {}, diagnostic: {} } },
    });
    if (init.error) throw new Error(`initialize: ${init.error.message}`);
    server.notify("initialized", {});
    server.notify("textDocument/didOpen", {
      textDocument: { uri, languageId: "typescript", version: 1, text },
    });
    const first = await server.request("textDocument/diagnostic", { textDocument: { uri } });
    if (first.error) throw new Error(`diagnostic: ${first.error.message}`);
    const openSeconds = server.cpu() - t0;
    const keys: Keystroke[] = [];
    let version = 1;
    for (const e of edits(text, n)) {
      const before = server.cpu();
      server.notify("textDocument/didChange", {
        textDocument: { uri, version: ++version },
        contentChanges: [{ text: e.edited }],
      });
      const completion = await server.request("textDocument/completion", {
        textDocument: { uri },
        position: { line: e.caret.line - 1, character: e.caret.offset - 1 },
      });
      const completionCpu = server.cpu() - before;
      const diagnostics = await server.request("textDocument/diagnostic", {
        textDocument: { uri },
      });
      const cpuSeconds = server.cpu() - before;
      keys.push({
        where: e.where,
        completions: count(completion.result),
        diagnostics: diagnosticCount(diagnostics.result),
        completionCpuSeconds: seconds(completionCpu),
        cpuSeconds: seconds(cpuSeconds),
      });
      server.notify("textDocument/didChange", {
        textDocument: { uri, version: ++version },
        contentChanges: [{ text }],
      });
      await server.request("textDocument/diagnostic", { textDocument: { uri } });
    }
    return { openSeconds: seconds(openSeconds), keys };
  } finally {
    server.stop();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() as string)) {
  const exe = process.argv[2];
  if (!exe) throw new Error("usage: npx tsx bench/types/lsp.ts EXE [N]");
  const n = Number(process.argv[3] ?? 1000);
  const r = await lspCost(exe, n);
  console.log(
    `${n} nodes, fragments of 50 (tsc --lsp): open + first diagnostics ${r.openSeconds} s CPU`,
  );
  console.table(r.keys);
}
