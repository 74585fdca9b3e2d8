/** Writing output files only when their bytes change (so timestamps and watchers stay quiet). */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Writes `text` to `file` unless the file already holds exactly that; returns whether it wrote.
 *
 * @example
 * ```ts
 * writeIfChanged("out/etl.mmd", toMermaid(graph)); // false the second time
 * ```
 */
export function writeIfChanged(file: string, text: string): boolean {
  try {
    if (readFileSync(file, "utf8") === text) return false;
  } catch {
    // missing: write it
  }
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, text);
  return true;
}
