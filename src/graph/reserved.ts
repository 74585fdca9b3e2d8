/**
 * Names that must never be used as keys read from or written to plain objects: a node, state or
 * event named `__proto__`, or a port like `constructor.constructor`, would reach `Object.prototype`
 * or `Function` instead of data. Graphs, builders and machines refuse them.
 */

/** Properties every plain object inherits, plus `prototype`. */
const RESERVED = new Set([
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toString",
  "toLocaleString",
  "valueOf",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
]);

/**
 * Whether `name` names an inherited object property (`__proto__`, `constructor`, `prototype`,
 * `toString`, ...) and so cannot be a node, state, event, parameter or port name.
 *
 * @example
 * ```ts
 * isReservedName("__proto__"); // true
 * isReservedName("load"); // false
 * ```
 */
export function isReservedName(name: string): boolean {
  return RESERVED.has(name);
}

/**
 * The first segment of a dotted port (`"a.constructor.constructor"`) that is reserved, if any.
 *
 * @example
 * ```ts
 * reservedSegment("settings.__proto__"); // "__proto__"
 * ```
 */
export function reservedSegment(port: string): string | undefined {
  if (!port.includes(".")) return RESERVED.has(port) ? port : undefined;
  for (const seg of port.split(".")) if (RESERVED.has(seg)) return seg;
  return undefined;
}

/** The message used wherever a reserved name is refused. */
export function reservedMessage(what: string, name: string): string {
  return `${what} '${name}' is not allowed: it names a property every object inherits (such names could reach Object.prototype)`;
}

/**
 * Sets `key` as an own enumerable property, `__proto__` included, so a record keyed by names
 * never loses an entry to the prototype setter.
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}
