/** Reading document files for the CLI: the size is checked before anything is read. */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { MAX_DOCUMENT_BYTES } from "../../src/serialize/read-document.js";

/**
 * The bytes of `file`, refused when the file is larger than `limit` (checked with `fstat` before
 * reading, and again while reading, so a file that grows or a device with no size cannot get
 * past it). Decoding is left to the reader, which refuses bytes that are not UTF-8.
 */
export function readFileBytes(file: string, limit = MAX_DOCUMENT_BYTES): Uint8Array {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    if (size > limit) throw new Error(`the file is ${size} bytes, over the limit of ${limit}`);
    const chunks: Buffer[] = [];
    let total = 0;
    const chunk = Buffer.allocUnsafe(Math.min(Math.max(size, 1) + 1, 1 << 20));
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > limit) throw new Error(`the file is over the limit of ${limit} bytes`);
      chunks.push(Buffer.from(chunk.subarray(0, n)));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}
