/**
 * A linear pre-scan of YAML text for nesting depth, run before the YAML library sees the text:
 * the library takes seconds on documents nested tens of thousands deep before its own limits
 * apply. The scan follows block indentation, `- ` sequence entries and flow brackets, skipping
 * quoted strings, comments and block scalars. It may count a level too many on odd layouts, never
 * too few for the structures that make parsing slow; the exact depth is checked again on the
 * parsed value.
 */

/** A block scalar header at the end of a line's content (comments already cut off). */
const BLOCK_SCALAR = /(?:^|[:-]\s+)[|>][-+0-9]*\s*$/;

/** Where nesting first goes deeper than `max`: a character offset, or `undefined` if it never does. */
export function yamlDepthOver(text: string, max: number): number | undefined {
  const n = text.length;
  const indents: number[] = []; // indentation of each open block level
  let flow = 0;
  let scalarIndent = -1; // inside a block scalar: lines indented more than this belong to it
  let i = 0;
  while (i < n) {
    let end = text.indexOf("\n", i);
    if (end < 0) end = n;
    let indent = 0;
    while (i + indent < end && text.charCodeAt(i + indent) === 0x20) indent++;
    const first = i + indent;
    const blank = first >= end || text[first] === "#" || text[first] === "\r";
    if (scalarIndent >= 0) {
      if (blank || indent > scalarIndent) {
        i = end + 1;
        continue;
      }
      scalarIndent = -1;
    }
    if (blank) {
      i = end + 1;
      continue;
    }
    let j = first;
    if (flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1] >= indent) indents.pop();
      indents.push(indent);
      // "- - - x": each entry marker opens a level on the same line.
      while (text[j] === "-" && (text[j + 1] === " " || j + 1 >= end)) {
        j += 2;
        while (j < end && text[j] === " ") j++;
        indents.push(j - i);
        if (indents.length > max) return j;
      }
      if (indents.length > max) return first;
    }
    for (; j < end; j++) {
      const c = text[j];
      if (c === '"' || c === "'") {
        j = skipQuoted(text, j, n);
        continue;
      }
      if (c === "#" && (j === 0 || text[j - 1] === " " || text[j - 1] === "\t")) break;
      if (c === "[" || c === "{") {
        flow++;
        if (flow + indents.length > max) return j;
      } else if ((c === "]" || c === "}") && flow > 0) flow--;
    }
    if (j > end) {
      // A quoted string ran over several lines: go on after the line it ends on.
      end = text.indexOf("\n", j);
      if (end < 0) end = n;
    } else if (flow === 0 && mayEndHeader(text, j) && BLOCK_SCALAR.test(text.slice(first, j))) {
      // A block scalar header (`key: |`, `- >-`) makes the following deeper lines plain text.
      scalarIndent = indent;
    }
    i = end + 1;
  }
  return undefined;
}

/** The index of the closing quote of the string opening at `at` (YAML's '' and \" escapes). */
function skipQuoted(text: string, at: number, n: number): number {
  const q = text[at];
  for (let k = at + 1; k < n; k++) {
    const c = text[k];
    if (q === '"' && c === "\\") k++;
    else if (c === q) {
      if (q === "'" && text[k + 1] === "'") k++;
      else return k;
    }
  }
  return n;
}

/** Whether content ending at `end` can end a block scalar header (cheap test before the regex). */
function mayEndHeader(text: string, end: number): boolean {
  let k = end - 1;
  while (k >= 0 && (text[k] === " " || text[k] === "\r" || text[k] === "\t")) k--;
  const c = text[k];
  return c === "|" || c === ">" || c === "-" || c === "+" || (c >= "0" && c <= "9");
}
