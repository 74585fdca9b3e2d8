/** Doc comments: the `/** ... *\/` before a chain call, and on an exported declaration. */
import { ts } from "ts-morph";

/** The text of a `/** ... *\/` comment, with the comment markers and leading `*` removed. */
export function cleanJsDoc(raw: string): string {
  return raw
    .replace(/^\/\*\*\s?/, "")
    .replace(/\s*\*\/$/, "")
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s*\* ?/, "").trimEnd())
    .join("\n")
    .trim();
}

/**
 * The doc comment written just before a chain call:
 * ```ts
 *   /** Loads rows *\/
 *   .node("load", ...)
 * ```
 * It sits between the end of the previous call and the `.` of this one.
 */
export function stepDoc(access: ts.PropertyAccessExpression): string | undefined {
  const sf = access.getSourceFile();
  const ranges = ts.getLeadingCommentRanges(sf.text, access.expression.end) ?? [];
  const docs = ranges
    .filter(
      (r) => r.kind === ts.SyntaxKind.MultiLineCommentTrivia && sf.text.startsWith("/**", r.pos),
    )
    .map((r) => cleanJsDoc(sf.text.slice(r.pos, r.end)))
    .filter((d) => d.length > 0);
  return docs.length > 0 ? docs[docs.length - 1] : undefined;
}

/** The doc comment of a declaration (its JSDoc text without tags) and its tag names. */
export function declarationDoc(decl: ts.Node): { doc?: string; tags: Set<string> } {
  const tags = new Set<string>();
  let doc: string | undefined;
  const holder = ts.isVariableDeclaration(decl) ? decl.parent.parent : decl;
  for (const item of ts.getJSDocCommentsAndTags(holder)) {
    if (ts.isJSDoc(item)) {
      const text = ts.getTextOfJSDocComment(item.comment)?.trim();
      if (text) doc = text;
      for (const tag of item.tags ?? []) tags.add(tag.tagName.text);
    }
  }
  return { doc, tags };
}
