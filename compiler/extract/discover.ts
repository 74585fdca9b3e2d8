/**
 * Finds workflow declarations syntactically: which names a file imports from weft, and which of
 * its exports are builder call chains. No type checking happens here.
 */
import { ts } from "ts-morph";
import { unwrap } from "./context.js";

/** The builder entry points the compiler recognises. */
export type DslFunction = "dag" | "fsm" | "machine" | "fragment";

/** Builder functions by exported name; `looseDag` builds the same graphs with looser types. */
const DSL_FUNCTIONS = new Map<string, DslFunction>([
  ["dag", "dag"],
  ["looseDag", "dag"],
  ["fsm", "fsm"],
  ["machine", "machine"],
  ["fragment", "fragment"],
]);

/**
 * True for a module specifier that provides weft's builders: the package itself (`weftjs`,
 * `weftjs/...`; the pre-rename `weft` too) or a path into its sources (`../src/index.js`,
 * `../src/dag/builder.js`, ...).
 */
export function isDslModule(specifier: string): boolean {
  if (/^weft(js)?(\/|$)/.test(specifier)) return true;
  return (
    /(^|\/)src\/(index|dag\/[\w./-]+|fsm\/[\w./-]+)(\.[cm]?[jt]s)?$/.test(specifier) ||
    /(^|\/)src(\/index)?$/.test(specifier)
  );
}

/** What a file imports from weft: local names of builder functions, and namespace aliases. */
export interface DslImports {
  /** Local name -> builder function (`import { dag as d }` gives `d -> dag`). */
  named: Map<string, DslFunction>;
  /** Local names of namespace imports (`import * as weft from "weftjs"`). */
  namespaces: Set<string>;
}

const importCache = new WeakMap<ts.SourceFile, DslImports>();

/** The weft imports of a file (cached per parsed file). */
export function dslImports(sf: ts.SourceFile): DslImports {
  const cached = importCache.get(sf);
  if (cached) return cached;
  const result: DslImports = { named: new Map(), namespaces: new Set() };
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st) || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    if (!isDslModule(st.moduleSpecifier.text)) continue;
    const clause = st.importClause;
    if (!clause || clause.isTypeOnly || !clause.namedBindings) continue;
    if (ts.isNamespaceImport(clause.namedBindings)) {
      result.namespaces.add(clause.namedBindings.name.text);
    } else {
      for (const el of clause.namedBindings.elements) {
        if (el.isTypeOnly) continue;
        const imported = (el.propertyName ?? el.name).text;
        const fn = DSL_FUNCTIONS.get(imported);
        if (fn) result.named.set(el.name.text, fn);
      }
    }
  }
  importCache.set(sf, result);
  return result;
}

/** The builder function a call invokes directly (`dag(...)`, `weft.fsm(...)`), if any. */
export function dslCallee(call: ts.CallExpression): DslFunction | undefined {
  const callee = unwrap(call.expression);
  const imports = dslImports(call.getSourceFile());
  if (ts.isIdentifier(callee)) return imports.named.get(callee.text);
  if (
    ts.isPropertyAccessExpression(callee) &&
    ts.isIdentifier(callee.expression) &&
    imports.namespaces.has(callee.expression.text)
  ) {
    return DSL_FUNCTIONS.get(callee.name.text);
  }
  return undefined;
}

/** An exported declaration that may hold a workflow. */
export interface ExportedCandidate {
  /** Export name (`default` for a default export). */
  exportName: string;
  /** The expression the export is initialised with. */
  expression: ts.Expression;
  /** Node to report at and take the doc comment from (the declaration). */
  declaration: ts.Node;
  /** The declared name's node, for the workflow's source location. */
  nameNode: ts.Node;
}

/** True when a file imports anything from weft (cheap pre-filter). */
export function importsWeft(sf: ts.SourceFile): boolean {
  const imports = dslImports(sf);
  return imports.named.size > 0 || imports.namespaces.size > 0;
}

/** The exported `const`s and default export of a file, in source order. */
export function exportedCandidates(sf: ts.SourceFile): ExportedCandidate[] {
  const locals = new Map<string, { decl: ts.VariableDeclaration; init: ts.Expression }>();
  const out: ExportedCandidate[] = [];
  const later: { local: string; exportName: string; at: ts.Node }[] = [];
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) {
      const exported = st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
      for (const decl of st.declarationList.declarations) {
        if (!ts.isIdentifier(decl.name) || !decl.initializer) continue;
        locals.set(decl.name.text, { decl, init: decl.initializer });
        if (exported) {
          out.push({
            exportName: decl.name.text,
            expression: decl.initializer,
            declaration: decl,
            nameNode: decl.name,
          });
        }
      }
    } else if (ts.isExportAssignment(st) && !st.isExportEquals) {
      out.push({ exportName: "default", expression: st.expression, declaration: st, nameNode: st });
    } else if (ts.isExportDeclaration(st) && !st.moduleSpecifier && !st.isTypeOnly) {
      const clause = st.exportClause;
      if (clause && ts.isNamedExports(clause)) {
        for (const el of clause.elements) {
          if (el.isTypeOnly) continue;
          later.push({
            local: (el.propertyName ?? el.name).text,
            exportName: el.name.text,
            at: el,
          });
        }
      }
    }
  }
  for (const { local, exportName } of later) {
    const found = locals.get(local);
    if (found && ts.isIdentifier(found.decl.name)) {
      out.push({
        exportName,
        expression: found.init,
        declaration: found.decl,
        nameNode: found.decl.name,
      });
    }
  }
  return out;
}
