/** Every diagnostic code, on a fixture, with its exact `file:line:col - severity CODE` text. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkWorkflow } from "../../compiler/checks/index.js";
import { readGraphFile } from "../../compiler/cli/graph-file.js";
import { compile } from "../../compiler/compile.js";
import {
  DIAGNOSTIC_CODES,
  formatDiagnostic,
  sortDiagnostics,
  type Diagnostic,
} from "../../compiler/diagnostics.js";
import { WeftProject } from "../../compiler/project.js";
import { FIXTURES, ROOT } from "./helpers.js";

const D = `${FIXTURES}/diagnostics`;
let lines: string[];
let session: WeftProject;
const tmp = mkdtempSync(path.join(tmpdir(), "weft-diag-"));

beforeAll(() => {
  session = new WeftProject({ root: ROOT });
  const { workflows, diagnostics } = session.extract([D]);
  const all: Diagnostic[] = [...diagnostics];
  const checker = session.project.getTypeChecker().compilerObject;
  for (const w of workflows) all.push(...checkWorkflow(w, checker));
  lines = sortDiagnostics(all).map(formatDiagnostic);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The one line starting with `prefix`. */
function line(prefix: string): string {
  const found = lines.filter((l) => l.startsWith(prefix));
  expect(found, `one diagnostic starting with ${prefix}\n${lines.join("\n")}`).toHaveLength(1);
  return found[0];
}

describe("graph errors", () => {
  it("WEFT001 dangling reference, at the reference", () => {
    expect(line(`${D}/graph-errors.ts:6:19 - error WEFT001: `)).toContain(
      "workflow 'dangling': dependency of 'b' refers to unknown node 'nope'",
    );
  });
  it("WEFT002 unknown port", () => {
    expect(line(`${D}/graph-errors.ts:11:19 - error WEFT002: `)).toContain(
      "condition 'big' has only ports 'true' and 'false'",
    );
  });
  it("WEFT003 cycle", () => {
    expect(line(`${D}/graph-errors.ts:15:4 - error WEFT003: `)).toContain(
      "cycle: a -> b -> a; a node can depend only on nodes added before it",
    );
  });
  it("WEFT004 duplicate node, at the second one", () => {
    expect(line(`${D}/graph-errors.ts:21:4 - error WEFT004: `)).toContain(
      "duplicate node name 'a'",
    );
  });
  it("WEFT005 invalid node name", () => {
    expect(line(`${D}/graph-errors.ts:25:4 - error WEFT005: `)).toContain(
      "node name 'a.b' is not allowed",
    );
  });
  it("WEFT006 unknown output node", () => {
    expect(line(`${D}/graph-errors.ts:28:14 - error WEFT006: `)).toContain(
      "output node 'zzz' does not exist",
    );
  });
  it("WEFT007 two workflows with one name", async () => {
    const result = await compile(session, {
      paths: [`${FIXTURES}/duplicate-names`],
      out: path.join(tmp, "dup"),
      check: true,
    });
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      `${FIXTURES}/duplicate-names/second.ts:3:14 - error WEFT007: workflow name 'same_name' is also used by export 'first' of ${FIXTURES}/duplicate-names/first.ts; both would write same_name.* — rename one`,
    ]);
  });
});

describe("state machine errors", () => {
  it("WEFT010 unreachable state", () => {
    expect(line(`${D}/fsm-errors.ts:7:4 - error WEFT010: `)).toContain(
      "workflow 'unreachable': state 'island' is unreachable from initial state 'a'",
    );
  });
  it("WEFT011 states that can never stop", () => {
    for (const [l, s] of [
      [12, "ping"],
      [13, "pong"],
      [14, "done"],
    ]) {
      expect(line(`${D}/fsm-errors.ts:${l}:4 - error WEFT011: `)).toContain(
        `state '${s}' can never reach a terminal state or a stop`,
      );
    }
  });
  it("WEFT012 transition to an undeclared state, without knock-on errors", () => {
    expect(line(`${D}/fsm-errors.ts:19:28 - error WEFT012: `)).toContain(
      "next('blue'): 'blue' is not a declared state of machine 'unknown_target'",
    );
    expect(lines.filter((l) => l.includes("unknown_target"))).toHaveLength(1);
  });
});

describe("code the compiler cannot analyse", () => {
  it("WEFT020 a node name built at run time, saying where and what to write", () => {
    const l = line(`${D}/unanalysable.ts:7:9 - error WEFT020: `);
    expect(l).toContain(
      "a node name must be a string literal or a constant, but '`load_${stage}`' is not",
    );
    expect(l).toContain("(line 4)");
    expect(l).toContain("write the name out literally");
  });
  it("WEFT021 a builder passed through a variable", () => {
    expect(line(`${D}/unanalysable.ts:12:24 - error WEFT021: `)).toContain(
      "the builder is passed through 'b' (a 'let'/'var' binding that may change)",
    );
  });
  it("WEFT022 spread dependencies", () => {
    expect(line(`${D}/unanalysable.ts:19:16 - error WEFT022: `)).toContain(
      "spread '...depsFor()' cannot be expanded",
    );
  });
  it("WEFT023 a fragment built at run time", () => {
    expect(line(`${D}/unanalysable.ts:29:8 - error WEFT023: `)).toContain(
      "fragment 'makeFragment(\"b\")' is built at run time",
    );
  });
  it("WEFT024 options built at run time", () => {
    expect(line(`${D}/unanalysable.ts:37:27 - error WEFT024: `)).toContain(
      "node 'a': options cannot be read",
    );
  });
  it("WEFT025 an unknown builder method", () => {
    expect(line(`${D}/unanalysable.ts:47:4 - error WEFT025: `)).toContain(
      "'.tap()' is not a DAG builder method",
    );
  });
  it("WEFT026 a sub-workflow the compiler cannot follow", () => {
    expect(line(`${D}/unanalysable.ts:42:55 - error WEFT026: `)).toContain(
      "sub-workflow 'pick()' of node 's'",
    );
  });
});

describe("durability", () => {
  it("WEFT030 for outputs a checkpoint cannot store, found from the types", () => {
    expect(line(`${D}/durable.ts:13:4 - error WEFT030: `)).toContain(
      "workflow 'durable_flow' is durable, but the output of node 'connect' (Connection) cannot be checkpointed: it is an instance of class Connection",
    );
    expect(line(`${D}/durable.ts:15:4 - error WEFT030: `)).toContain("done is a function");
    // Run with a checkpoint in the same file: durable too.
    expect(line(`${D}/durable.ts:20:4 - error WEFT030: `)).toContain("pending is a promise");
    // Plain data (with a Date) is fine.
    expect(lines.some((l) => l.includes("node 'rows'") || l.includes("node 'sum'"))).toBe(false);
  });
});

describe("streams", () => {
  it("WEFT013 a reader of a stream that waits for another reader of it", () => {
    expect(line(`${D}/streams.ts:13:4 - error WEFT013: `)).toMatch(
      /error WEFT013: workflow 'stream_flow': node 'late' reads stream 'nums' and waits for 'count', which reads it too/,
    );
  });
  it("no WEFT030 for a stream's output in a durable workflow", () => {
    expect(lines.some((l) => l.includes("WEFT030") && l.includes("stream_flow"))).toBe(false);
  });
});

describe("files and warnings", () => {
  it("WEFT040 a file that does not parse", () => {
    writeFileSync(
      path.join(tmp, "broken.ts"),
      'import { dag } from "weftjs";\nexport const b = dag("b").node("a", {}, () => 1\n  .build();\n',
    );
    const { diagnostics } = new WeftProject({ root: tmp }).extract(["broken.ts", "missing.ts"]);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "error WEFT040: 'missing.ts' does not exist",
      "broken.ts:3:11 - error WEFT040: ')' expected.",
    ]);
  });
  it("WEFT041 a malformed graph file, at the field", () => {
    const file = path.join(tmp, "bad.graph.yaml");
    writeFileSync(
      file,
      "version: 1\nkind: dag\nname: x\nnodes:\n  - name: a\n    kind: taks\nedges: []\n",
    );
    const shown = path.relative(process.cwd(), file);
    expect(readGraphFile(file).diagnostics.map(formatDiagnostic)).toEqual([
      `${shown}:6:11 - error WEFT041: nodes[0].kind: expected one of "task", "condition", "select", "any", "map", "sub", "state", "wait", "stream", got "taks"`,
    ]);
  });
  it("WEFT101 a select case nothing consumes, at the case", () => {
    expect(line(`${D}/warnings.ts:5:66 - warning WEFT101: `)).toContain(
      "case 'flat' of select 'route' is not consumed by any node",
    );
  });
  it("WEFT102 a result nothing uses (not the output, not runIf always)", () => {
    expect(line(`${D}/warnings.ts:9:4 - warning WEFT102: `)).toContain(
      "the result of node 'unused' is not used",
    );
    expect(lines.some((l) => l.includes("node 'log'") || l.includes("node 'out'"))).toBe(false);
  });
  it("WEFT103 an input type JSON Schema cannot express", () => {
    expect(line(`${D}/warnings.ts:3:14 - warning WEFT103: `)).toContain(
      "input.cb: a function has no JSON form",
    );
  });
  it("every code is documented", () => {
    const doc = readFileSync(path.join(ROOT, "docs/compiler-and-cli.md"), "utf8");
    for (const code of Object.keys(DIAGNOSTIC_CODES)) expect(doc, code).toContain(code);
  });
});
