/**
 * A machine whose states lack handlers is a compile error on `.build(...)` alone: one diagnostic,
 * in one line, naming the state, whose span is the word `build` (not the whole call chain, which
 * for a long machine is thousands of characters).
 */
import { join, resolve } from "node:path";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const file = join(here, "__fsm_missing_handler__.ts");

/** A ring of `n` states where state `skip` has no handler. */
function machineSource(n: number, skip: number): string {
  const names = Array.from({ length: n }, (_, i) => `"s${i}"`).join(", ");
  const lines = [
    `import { fsm, next, stop } from "../../src/index.js";`,
    `export const m = fsm<{ limit: number }>("ring")`,
    `  .states(${names})`,
  ];
  for (let i = 0; i < n; i++) {
    if (i === skip) continue;
    lines.push(
      `  .state("s${i}", (input, ctx) => ctx.visits("s${i}") > input.limit ? stop(${i}) : next("s${(i + 1) % n}", ${i}))`,
    );
  }
  lines.push("  .build({ maxCycles: 10 });");
  return lines.join("\n") + "\n";
}

function diagnose(text: string): ts.Diagnostic[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  if (!parsed) throw new Error("cannot read tsconfig.json");
  const options = { ...parsed.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) =>
    resolve(name) === file
      ? ts.createSourceFile(name, text, lang)
      : original(name, lang, onError, create);
  const exists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === file || exists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
}

describe("fsm: a state without a handler", () => {
  const text = machineSource(200, 137);
  let diagnostics: ts.Diagnostic[] = [];
  beforeAll(() => {
    diagnostics = diagnose(text);
  }, 120_000);

  it("is reported once, on the build call, in one line naming the state", () => {
    expect(diagnostics).toHaveLength(1);
    const [d] = diagnostics;
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
    expect(message).toContain(`TypeError<"state 's137' has no handler">`);
    expect(message).not.toContain("s136");
    expect(message.length).toBeLessThan(200);
    expect(text.slice(d.start, (d.start ?? 0) + (d.length ?? 0))).toBe("build");
  });
});
