/** Chains are walked with loops, not recursion: a very long chain does not exhaust the stack. */
import { describe, expect, it } from "vitest";
import { ts } from "ts-morph";
import { flattenChain } from "../../compiler/extract/chain.js";
import { StaticReader } from "../../compiler/extract/static-value.js";
import { CHAIN_LIMIT, chainTooLong } from "../../compiler/extract/dag.js";
import { diagnostic } from "../../compiler/diagnostics.js";

describe("flattenChain", () => {
  it("flattens a 5,000-call chain in order", () => {
    const n = 5000;
    let text = 'import { dag } from "weftjs";\nexport const long = dag("long")\n';
    for (let i = 0; i < n; i++) text += `  .node("n${i}", {}, () => ${i})\n`;
    text += "  .build();\n";
    const sf = ts.createSourceFile("long.ts", text, ts.ScriptTarget.ES2022, true);
    const statement = sf.statements[1] as ts.VariableStatement;
    const init = statement.declarationList.declarations[0].initializer as ts.Expression;
    // Literal chains need no checker: nothing is looked up.
    const chain = flattenChain(init, new StaticReader({} as ts.TypeChecker));
    expect(chain?.root.kind).toBe("call");
    expect(chain?.steps).toHaveLength(n + 1);
    expect(chain?.steps[0].method).toBe("node");
    expect((chain?.steps[4999].call.arguments[0] as ts.StringLiteral).text).toBe("n4999");
    expect(chain?.steps[n].method).toBe("build");
  });

  it("ignores chains that do not start at a builder", () => {
    const sf = ts.createSourceFile(
      "x.ts",
      "export const x = [1, 2].map(String);",
      ts.ScriptTarget.ES2022,
      true,
    );
    const statement = sf.statements[0] as ts.VariableStatement;
    const init = statement.declarationList.declarations[0].initializer as ts.Expression;
    expect(flattenChain(init, new StaticReader({} as ts.TypeChecker))).toBeUndefined();
  });
});

describe("chain length (WEFT104)", () => {
  function chainOf(n: number) {
    let text = 'import { dag } from "weftjs";\nexport const long = dag("long")\n';
    for (let i = 0; i < n; i++) text += `  .node("n${i}", {}, () => ${i})\n`;
    text += "  .build();\n";
    const sf = ts.createSourceFile("long.ts", text, ts.ScriptTarget.ES2022, true);
    const statement = sf.statements[1] as ts.VariableStatement;
    const init = statement.declarationList.declarations[0].initializer as ts.Expression;
    const chain = flattenChain(init, new StaticReader({} as ts.TypeChecker));
    if (!chain) throw new Error("no chain");
    return chain;
  }

  it("warns on a chain longer than the limit and suggests fragments", () => {
    const message = chainTooLong(chainOf(CHAIN_LIMIT));
    expect(message).toContain(`a chain of ${CHAIN_LIMIT + 1} calls is longer than ${CHAIN_LIMIT}`);
    expect(message).toContain(".use(fragment)");
  });

  it("accepts a chain at the limit", () => {
    expect(chainTooLong(chainOf(CHAIN_LIMIT - 1))).toBeUndefined();
  });

  it("is a warning code", () => {
    expect(diagnostic("WEFT104", "x").severity).toBe("warning");
  });
});
