/** Strict UTF-8 decoding: bytes that are not UTF-8 are refused with their offset, never replaced. */

/** Bytes that are not valid UTF-8, at a byte offset (and the line and column it falls on). */
export class Utf8Error extends Error {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  constructor(offset: number, line: number, column: number) {
    super(
      `the text is not valid UTF-8: bad byte at offset ${offset} (line ${line}, column ${column})`,
    );
    this.name = "Utf8Error";
    this.offset = offset;
    this.line = line;
    this.column = column;
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes `bytes` as UTF-8 (a leading byte-order mark is dropped). Throws a {@link Utf8Error}
 * giving the offset of the first invalid byte instead of turning it into U+FFFD.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    const offset = firstInvalid(bytes);
    let line = 1;
    let lineStart = 0;
    for (let k = bytes.indexOf(0x0a); k >= 0 && k < offset; k = bytes.indexOf(0x0a, k + 1)) {
      line++;
      lineStart = k + 1;
    }
    // Columns count characters: continuation bytes do not start one.
    let column = 1;
    for (let k = lineStart; k < offset; k++) if ((bytes[k] & 0xc0) !== 0x80) column++;
    throw new Utf8Error(offset, line, column);
  }
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
function firstInvalid(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const x = b[i + k];
      if (x === undefined) return i;
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (x < min || x > max) return k === 1 ? i : i + k;
    }
    i += need + 1;
  }
  return n;
}
