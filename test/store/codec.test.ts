import { Socket } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CorruptValueError,
  decodeValue,
  encodeValue,
  findUnstorable,
  UnstorableValueError,
} from "../../src/run/codec.js";

const roundTrip = (value: unknown): unknown =>
  decodeValue(encodeValue(value, "node 'x'"), "node 'x'");

/** The error `encodeValue` throws for `value`, or a failure when it throws none. */
function unstorable(value: unknown, what = "node 'load'"): UnstorableValueError {
  try {
    encodeValue(value, what);
  } catch (error) {
    expect(error).toBeInstanceOf(UnstorableValueError);
    return error as UnstorableValueError;
  }
  throw new Error("expected encodeValue to throw");
}

class Row {
  constructor(readonly id: number) {}
  label(): string {
    return `row ${this.id}`;
  }
}

describe("encodeValue / decodeValue round trip", () => {
  it("keeps structured-clone types", () => {
    const value = {
      map: new Map<unknown, unknown>([
        ["a", 1],
        [2, new Set(["x", "y"])],
      ]),
      set: new Set([1n, 2n]),
      date: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([0.5, -0, NaN]),
      bigints: new BigInt64Array([-(2n ** 63n)]),
      buffer: new Uint16Array([7, 8]).buffer,
      big: 2n ** 100n,
      regexp: /a+b/gi,
      nested: { deep: [{ deeper: [null, undefined, true, "s"] }] },
      boxed: [new Number(3), new String("s"), new Boolean(false)],
      error: new RangeError("too far", { cause: { limit: 3 } }),
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(back.map.get(2)).toEqual(new Set(["x", "y"]));
    expect(back.date.toISOString()).toBe("2024-01-02T03:04:05.006Z");
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect([...back.bytes]).toEqual([1, 2, 255]);
    expect(Object.is(back.floats[1], -0)).toBe(true);
    expect(back.big).toBe(2n ** 100n);
    expect(back.regexp.flags).toBe("gi");
    expect(back.error).toBeInstanceOf(RangeError);
    expect(back.error.message).toBe("too far");
    expect(back.error.cause).toEqual({ limit: 3 });
  });

  it("keeps Buffers as Buffers, sparse arrays sparse and extra array fields", () => {
    const sparse: unknown[] = [1];
    sparse[3] = 4;
    const tagged = Object.assign([1, 2], { note: "n" });
    const back = roundTrip({ buf: Buffer.from("hi"), sparse, tagged }) as {
      buf: Buffer;
      sparse: unknown[];
      tagged: number[] & { note: string };
    };
    expect(Buffer.isBuffer(back.buf)).toBe(true);
    expect(back.buf.toString()).toBe("hi");
    expect(back.sparse.length).toBe(4);
    expect(1 in back.sparse).toBe(false);
    expect(back.tagged.note).toBe("n");
  });

  it("keeps circular and shared references", () => {
    const shared = { n: 1 };
    const value: { self?: unknown; a: object; b: object; m: Map<string, unknown> } = {
      a: shared,
      b: shared,
      m: new Map(),
    };
    value.self = value;
    value.m.set("back", value);
    const back = roundTrip(value) as typeof value;
    expect(back.self).toBe(back);
    expect(back.a).toBe(back.b);
    expect(back.m.get("back")).toBe(back);
  });

  it("stores top-level primitives, undefined included", () => {
    for (const v of [undefined, null, 0, -1.5, "", "text", true, 10n]) {
      expect(roundTrip(v)).toBe(v);
    }
    expect(Number.isNaN(roundTrip(NaN))).toBe(true);
  });

  it("decodes to values that do not share memory with the stored bytes", () => {
    const bytes = encodeValue({ data: new Uint8Array([1, 2, 3]) }, "node 'x'");
    const first = decodeValue(bytes) as { data: Uint8Array };
    first.data[0] = 99;
    const second = decodeValue(bytes) as { data: Uint8Array };
    expect([...second.data]).toEqual([1, 2, 3]);
  });

  it("round-trips random structured values (property)", () => {
    const value = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withSparseArray: true,
      withNullPrototype: true,
      withObjectString: true,
    });
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });
});

describe("unstorable values", () => {
  it("names the node and the path of a nested function", () => {
    const error = unstorable({
      rows: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4, handle: () => 1 }],
    });
    expect(error.what).toBe("node 'load'");
    expect(error.path).toBe("rows[3].handle");
    expect(error.reason).toBe("is a function");
    expect(error.message).toMatch(
      /^cannot store the value of node 'load': rows\[3\]\.handle is a function;/,
    );
  });

  it("reports each kind of unstorable value with its path", () => {
    const cases: [unknown, string, string][] = [
      [() => 1, "", "is a function"],
      [Symbol("s"), "", "is a symbol"],
      [{ p: Promise.resolve(1) }, "p", "is a promise"],
      [{ w: [new WeakMap()] }, "w[0]", "is a WeakMap"],
      [{ s: new WeakSet() }, "s", "is a WeakSet"],
      [{ sab: new SharedArrayBuffer(4) }, "sab", "is a SharedArrayBuffer"],
      [
        { view: new Int32Array(new SharedArrayBuffer(8)) },
        "view",
        "is a view of a SharedArrayBuffer",
      ],
      [
        { row: new Row(1) },
        "row",
        "is an instance of class Row (it would come back as a plain object)",
      ],
      [
        { url: new URL("https://example.com") },
        "url",
        "is an instance of class URL (it would come back as a plain object)",
      ],
      [{ "odd key": { fn: Math.max } }, '["odd key"].fn', "is a function"],
      [new Map([["k", { f: () => 1 }]]), 'value.get("k").f', "is a function"],
      [new Map([[{ f: () => 1 }, 1]]), "value.keys()[0].f", "is a function"],
      [{ tags: new Set(["a", Symbol("b")]) }, "tags.values()[1]", "is a symbol"],
      [{ e: new Error("x", { cause: () => 1 }) }, "e.cause", "is a function"],
      [
        Object.assign(new Error("x"), { code: "E1" }),
        "",
        "is an Error with own field 'code', which would be lost",
      ],
      [
        Object.assign(new Map(), { extra: 1 }),
        "",
        "is a Map with own field 'extra', which would be lost",
      ],
      [{ [Symbol("k")]: 1 }, "", "has the symbol key Symbol(k), which would be lost"],
    ];
    for (const [value, path, reason] of cases) {
      const error = unstorable(value);
      expect({ path: error.path, reason: error.reason }).toEqual({ path, reason });
    }
  });

  it("refuses sockets and streams by class", () => {
    const socket = new Socket();
    try {
      const error = unstorable({ conn: { socket } });
      expect(error.path).toBe("conn.socket");
      expect(error.reason).toMatch(/instance of class Socket/);
    } finally {
      socket.destroy();
    }
  });

  it("keeps an assigned error cause but refuses an assigned error name", () => {
    const withCause = Object.assign(new Error("m"), { cause: { id: 7 } });
    expect((roundTrip(withCause) as Error).cause).toEqual({ id: 7 });
    const renamed = Object.assign(new Error("m"), { name: "Custom" });
    expect(unstorable(renamed).reason).toBe(
      "is an Error with own field 'name', which would be lost",
    );
  });

  it("refuses instances of subclasses of built-ins", () => {
    class Tags extends Set<string> {}
    class MyError extends Error {}
    expect(unstorable({ t: new Tags() }).reason).toMatch(/class Tags/);
    expect(unstorable([new MyError("m")]).path).toBe("[0]");
  });

  it("reports a getter that throws", () => {
    const value = {
      get broken(): number {
        throw new Error("no");
      },
    };
    expect(unstorable(value).reason).toBe("has a getter 'broken' that throws (no)");
  });

  it("finds a function wherever it is nested (property)", () => {
    const segment = fc.oneof(
      fc.record({
        kind: fc.constant("key" as const),
        key: fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/),
      }),
      fc.record({ kind: fc.constant("index" as const), index: fc.nat(4) }),
    );
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        fc.jsonValue(),
        (segments, filler) => {
          // Build the value from the leaf up, with plain data beside each step of the path.
          let value: unknown = () => 0;
          for (let i = segments.length - 1; i >= 0; i--) {
            const s = segments[i];
            if (s.kind === "key") {
              value = { zz_before: filler, [s.key]: value };
            } else {
              const array: unknown[] = Array.from({ length: s.index }, () => filler);
              array.push(value);
              value = array;
            }
          }
          let expected = "";
          for (const s of segments) {
            if (s.kind === "index") expected += `[${s.index}]`;
            else expected += expected === "" ? s.key : `.${s.key}`;
          }
          const part = findUnstorable(value);
          expect(part).toEqual({ path: expected, reason: "is a function" });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("finds nothing in storable values", () => {
    expect(findUnstorable({ a: [1, new Map([[1, new Set([new Date(0)])]])] })).toBeUndefined();
    expect(findUnstorable(Object.create(null))).toBeUndefined();
  });

  it("does not overflow on deep values", () => {
    let list: unknown = null;
    for (let i = 0; i < 100_000; i++) list = { next: list };
    expect(findUnstorable(list)).toBeUndefined();
  });
});

describe("decodeValue errors", () => {
  it("names the value when the bytes are not an encoded value", () => {
    expect(() => decodeValue(new Uint8Array([1, 2, 3]), "node 'load' of run 'r1'")).toThrow(
      CorruptValueError,
    );
    expect(() => decodeValue(new Uint8Array([1, 2, 3]), "node 'load' of run 'r1'")).toThrow(
      /^cannot decode the stored value of node 'load' of run 'r1': /,
    );
  });
});
