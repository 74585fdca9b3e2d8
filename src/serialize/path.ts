/** Field paths inside a document, as lists of keys and indices, and their printed form. */

/** A field path: object keys and array indices from the document root. */
export type FieldPath = readonly (string | number)[];

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Prints a path the way it reads in code: `nodes[2].options.retry`, `has["odd key"]`. */
export function formatPath(path: FieldPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (IDENT.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
