/**
 * Compile-error tests. Every file in test/types/negative/ marks each line that must not compile
 * with `// @ts-expect-error` (optionally `// @ts-expect-error: text`, where `text` must appear in
 * the error). The files are compiled twice with the TypeScript API: as written, where any
 * diagnostic (an unused directive, or an error no directive covers) fails; and with the
 * directives disabled, to check that each marked line fails for the stated reason.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const dir = join(here, "negative");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .sort()
  .map((f) => join(dir, f));

const DIRECTIVE = /\/\/ @ts-expect-error(?::\s*(.*))?$/;

function compilerOptions(): ts.CompilerOptions {
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
  return { ...parsed.options, noEmit: true };
}

function diagnose(rewrite: boolean): ts.Diagnostic[] {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  if (rewrite) {
    const original = host.getSourceFile.bind(host);
    host.getSourceFile = (name, lang, onError, create) => {
      if (files.includes(resolve(name))) {
        const text = readFileSync(name, "utf8").replaceAll("@ts-expect-error", "@ts-expect-errxr");
        return ts.createSourceFile(name, text, lang);
      }
      return original(name, lang, onError, create);
    };
  }
  const program = ts.createProgram(files, options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && files.includes(resolve(d.file.fileName)));
}

function where(d: ts.Diagnostic): string {
  const file = d.file as ts.SourceFile;
  const { line, character } = file.getLineAndCharacterOfPosition(d.start ?? 0);
  return `${file.fileName.slice(root.length + 1)}:${line + 1}:${character + 1} - ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
}

describe("compile errors", () => {
  let asWritten: ts.Diagnostic[] = [];
  let disabled: ts.Diagnostic[] = [];
  beforeAll(() => {
    asWritten = diagnose(false);
    disabled = diagnose(true);
  }, 120_000);

  it("has negative test files", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it("every @ts-expect-error is used and no other error exists", () => {
    expect(asWritten.map(where)).toEqual([]);
  });

  for (const file of files) {
    it(`${file.slice(root.length + 1)}: each marked line fails for the stated reason`, () => {
      const lines = readFileSync(file, "utf8").split("\n");
      const problems: string[] = [];
      let count = 0;
      lines.forEach((text, i) => {
        const m = DIRECTIVE.exec(text.trim());
        if (!m) return;
        count++;
        const target = i + 1; // 0-based index of the next line
        const errs = disabled.filter((d) => {
          if (!d.file || resolve(d.file.fileName) !== file) return false;
          const line = d.file.getLineAndCharacterOfPosition(d.start ?? 0).line;
          // An error may start on the marked line or, for multi-line calls, a few lines below.
          return line >= target && line <= target + 3;
        });
        const messages = errs.map((d) => ts.flattenDiagnosticMessageText(d.messageText, " "));
        if (messages.length === 0) problems.push(`line ${target + 1}: no error`);
        else if (m[1] && !messages.some((msg) => msg.includes(m[1].trim()))) {
          problems.push(
            `line ${target + 1}: expected "${m[1].trim()}" in: ${messages.join(" | ")}`,
          );
        }
      });
      expect(count).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    });
  }
});
