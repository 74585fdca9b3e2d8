/** The template expression language: parsing, evaluation, errors with offsets, and templates. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExpressionError, evaluate, parseExpression } from "../../src/tasks/expression.js";
import { parseCondition, parseTemplate, render, test as holds } from "../../src/tasks/template.js";

const scope = {
  transform: { exit_code: 2, failed: true, outputs: { rows: [1, 2, 3], name: "t" } },
  load: { exit_code: 0, failed: false, skipped: false },
  env: { LEVEL: "3", EMPTY: "", OFF: "false" },
  matrix: { batch_id: 1 },
};

describe("expressions", () => {
  it.each([
    ["transform.exit_code != 0", true],
    ["transform.exit_code == 2 && !load.failed", true],
    ["load.failed || transform.outputs.name == 't'", true],
    ["transform.outputs.rows[2] >= 3", true],
    ['transform.outputs["name"] == "t"', true],
    ["env.LEVEL == 3", true],
    ["env.LEVEL > 2", false],
    ["!env.OFF", true],
    ["!env.EMPTY && matrix.batch_id < 2", true],
    ["load.missing == null", true],
    ["(load.failed || transform.failed) && !(matrix.batch_id == 0)", true],
    ["-1 < 0 && 1.5e1 == 15", true],
  ])("%s is %s", (src, want) => {
    expect(holds(parseCondition(src), scope)).toBe(want);
  });

  it("a missing property gives undefined, not an error", () => {
    expect(evaluate(parseExpression("transform.outputs.nope.deeper"), scope)).toBeUndefined();
  });

  it.each([
    ["a = 1", 2, "unexpected character '=' (use == to compare)"],
    ["a.b &&", 6, "unexpected end of expression"],
    ["a < b < c", 6, "comparisons do not chain"],
    ["'open", 0, "unterminated string"],
    ["a.", 2, "expected a property name after '.'"],
    ["a & b", 2, "(use &&)"],
    ["a[b]", 2, "expected a number or a string inside [ ]"],
  ])("%j is a syntax error at offset %i", (src, offset, message) => {
    let error: unknown;
    try {
      parseExpression(src);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).offset).toBe(offset);
    expect((error as ExpressionError).message).toContain(message);
  });

  it("templates render values and keep text; offsets of errors are in the whole string", () => {
    const t = parseTemplate("batch {{ matrix.batch_id }} of {{ transform.outputs.rows }}!");
    expect(render(t, scope)).toBe("batch 1 of [1,2,3]!");
    let error: unknown;
    try {
      parseTemplate("x {{ ok }} y {{ a == }}");
    } catch (e) {
      error = e;
    }
    expect((error as ExpressionError).offset).toBe("x {{ ok }} y {{ a == ".length);
  });

  it("a condition is exactly one expression", () => {
    expect(() => parseCondition("x {{ a }}")).toThrow(/one expression/);
    expect(holds(parseCondition("{{ load.failed }}"), scope)).toBe(false);
  });

  // Random formulas of booleans, number comparisons, !, && and ||, against a direct reading.
  type F =
    | { k: "bool"; v: boolean }
    | { k: "cmp"; op: "==" | "!=" | "<" | "<=" | ">" | ">="; a: number; b: number }
    | { k: "not"; f: F }
    | { k: "and" | "or"; l: F; r: F };
  const formula = fc.letrec<{ f: F }>((tie) => ({
    f: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.boolean().map((v): F => ({ k: "bool", v })),
      fc
        .record({
          op: fc.constantFrom("==", "!=", "<", "<=", ">", ">=" as const),
          a: fc.integer({ min: -5, max: 5 }),
          b: fc.integer({ min: -5, max: 5 }),
        })
        .map((c): F => ({ k: "cmp", ...c })),
      tie("f").map((f): F => ({ k: "not", f: f as F })),
      fc
        .record({ k: fc.constantFrom("and", "or" as const), l: tie("f"), r: tie("f") })
        .map((x): F => x as F),
    ),
  })).f;
  const text = (f: F): string =>
    f.k === "bool"
      ? String(f.v)
      : f.k === "cmp"
        ? `${f.a} ${f.op} ${f.b}`
        : f.k === "not"
          ? `!(${text(f.f)})`
          : `(${text(f.l)}) ${f.k === "and" ? "&&" : "||"} (${text(f.r)})`;
  const truth = (f: F): boolean => {
    switch (f.k) {
      case "bool":
        return f.v;
      case "cmp":
        return f.op === "=="
          ? f.a === f.b
          : f.op === "!="
            ? f.a !== f.b
            : f.op === "<"
              ? f.a < f.b
              : f.op === "<="
                ? f.a <= f.b
                : f.op === ">"
                  ? f.a > f.b
                  : f.a >= f.b;
      case "not":
        return !truth(f.f);
      case "and":
        return truth(f.l) && truth(f.r);
      case "or":
        return truth(f.l) || truth(f.r);
    }
  };

  it("evaluates random formulas as their direct reading", () => {
    fc.assert(
      fc.property(formula, (f) => {
        expect(evaluate(parseExpression(text(f)), {})).toBe(truth(f));
      }),
      { numRuns: 300 },
    );
  });

  it("never runs code: names resolve only to scope values, JavaScript globals are unknown", () => {
    expect(evaluate(parseExpression("process"), {})).toBeUndefined();
    expect(evaluate(parseExpression("constructor"), {})).toBeUndefined();
    expect(evaluate(parseExpression("load.constructor"), scope)).toBeUndefined();
    expect(evaluate(parseExpression("load.__proto__"), scope)).toBeUndefined();
    expect(() => parseExpression("load.exit_code()")).toThrow(ExpressionError);
  });

  it("calls the string methods endsWith, startsWith and includes, and nothing else", () => {
    const args = { path: "in/a.csv.gz", tags: ["x", "y"] };
    expect(evaluate(parseExpression('args.path.endsWith(".gz")'), { args })).toBe(true);
    expect(evaluate(parseExpression('args.path.startsWith("out/")'), { args })).toBe(false);
    expect(
      evaluate(parseExpression('args.path.includes("csv") && args.tags.includes("y")'), { args }),
    ).toBe(true);
    expect(evaluate(parseExpression("args.path.length > 5"), { args })).toBe(true);
    // Not a string: false, never a throw.
    expect(evaluate(parseExpression('args.missing.endsWith("x")'), { args })).toBe(false);
    expect(() => parseExpression('args.path.replace("a", "b")')).toThrow(
      "unknown method 'replace' (expressions may call endsWith, startsWith, includes)",
    );
    expect(() => parseExpression('args.path.endsWith("a", "b")')).toThrow(
      "'endsWith' takes one argument, got 2",
    );
    expect(() => parseExpression("endsWith(1)")).toThrow("'endsWith' is not a method");
  });
});
