import { PlanFormatError } from "./errors.js";
import { NO_NODE, PLAN_VERSION, RETAINED_OUTPUT, type ExecutionPlan } from "./types.js";

/** Top-level fields in the order they are written. */
const FIELDS = [
  "version",
  "workflow",
  "graphHash",
  "nodes",
  "order",
  "level",
  "levels",
  "cost",
  "priority",
  "chains",
  "chainOf",
  "lastConsumer",
  "consumers",
  "output",
  "criticalPath",
  "transitiveReduction",
] as const satisfies readonly (keyof ExecutionPlan)[];

const OPTIONAL = new Set<string>(["transitiveReduction"]);

/**
 * Writes a plan as JSON: one line per field, in a fixed order, so plan files diff well and equal
 * plans give equal text. {@link parsePlan} reads it back.
 *
 * @example
 * ```ts
 * writeFileSync("etl.plan.json", serializePlan(planOf(graph)));
 * ```
 */
export function serializePlan(plan: ExecutionPlan): string {
  const lines: string[] = [];
  for (const field of FIELDS) {
    const value = plan[field];
    if (value === undefined) continue;
    lines.push(`  ${JSON.stringify(field)}: ${JSON.stringify(value)}`);
  }
  return `{\n${lines.join(",\n")}\n}\n`;
}

/**
 * Reads a plan written by {@link serializePlan}, checking its shape: every field present with the
 * right type, per-node arrays as long as `nodes`, indices in range, `order` a permutation,
 * `levels`/`level` and `chains`/`chainOf` consistent, names known, no unknown fields. Throws a
 * {@link PlanFormatError} naming the first bad field. Use {@link checkPlan} to check that the plan
 * belongs to a given graph.
 *
 * @example
 * ```ts
 * const plan = checkPlan(parsePlan(readFileSync("etl.plan.json", "utf8")), graph);
 * ```
 */
export function parsePlan(text: string): ExecutionPlan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new PlanFormatError(`plan is not valid JSON: ${(e as Error).message}`);
  }
  return new PlanReader(data).read();
}

/** Validates parsed JSON field by field; `fail` names the plan's workflow when known. */
class PlanReader {
  private workflow: string | undefined;
  private n = 0;
  constructor(private readonly data: unknown) {}

  read(): ExecutionPlan {
    const raw = this.data;
    if (!isRecord(raw)) this.fail(`a plan is a JSON object, got ${describe(raw)}`);
    if (typeof raw.workflow === "string") this.workflow = raw.workflow;
    for (const key of Object.keys(raw)) {
      if (!(FIELDS as readonly string[]).includes(key)) this.fail(`unknown field '${key}'`);
    }
    for (const key of FIELDS) {
      if (!OPTIONAL.has(key) && !(key in raw)) this.fail(`missing field '${key}'`);
    }
    if (raw.version !== PLAN_VERSION) {
      this.fail(
        `plan format version ${describe(raw.version)} is not supported (expected ${PLAN_VERSION})`,
      );
    }
    const workflow = this.string(raw.workflow, "workflow");
    const hash = this.string(raw.graphHash, "graphHash");
    if (hash === "") this.fail(`field 'graphHash' is empty`);
    const nodes = this.array(raw.nodes, "nodes").map((v, i) =>
      typeof v === "string" ? v : this.string(v, `nodes[${i}]`),
    );
    this.n = nodes.length;
    const names = new Map<string, number>();
    nodes.forEach((name, i) => {
      if (names.has(name))
        this.fail(`field 'nodes' lists '${name}' twice (items ${names.get(name)} and ${i})`);
      names.set(name, i);
    });
    const n = this.n;

    const order = this.indices(this.perNode(raw.order, "order"), "order");
    const seen = new Uint8Array(n);
    order.forEach((v, i) => {
      if (seen[v] === 1)
        this.fail(`field 'order' lists node ${v} ('${nodes[v]}') twice (item ${i})`);
      seen[v] = 1;
    });

    const level = this.ints(this.perNode(raw.level, "level"), "level", 0, n);
    const levels = this.array(raw.levels, "levels").map((l, i) =>
      this.indices(this.array(l, `levels[${i}]`), `levels[${i}]`),
    );
    let listed = 0;
    levels.forEach((list, l) =>
      list.forEach((v, j) => {
        if (level[v] !== l) {
          this.fail(`levels[${l}][${j}] is node ${v} ('${nodes[v]}'), whose level is ${level[v]}`);
        }
        listed++;
      }),
    );
    if (listed !== n) this.fail(`field 'levels' lists ${listed} nodes, expected ${n}`);

    const cost = this.numbers(this.perNode(raw.cost, "cost"), "cost");
    cost.forEach((c, i) => {
      if (c < 0) this.fail(`cost[${i}] is ${c}; costs are zero or more`);
    });
    const priority = this.numbers(this.perNode(raw.priority, "priority"), "priority");

    const chains = this.array(raw.chains, "chains").map((c, i) => {
      const chain = this.indices(this.array(c, `chains[${i}]`), `chains[${i}]`);
      if (chain.length < 2)
        this.fail(`chains[${i}] has ${chain.length} node(s); chains have two or more`);
      return chain;
    });
    const chainOf = this.perNode(raw.chainOf, "chainOf") as number[];
    chainOf.forEach((v: unknown, i) => {
      if (typeof v !== "number" || !Number.isInteger(v) || v < NO_NODE || v >= chains.length) {
        this.fail(
          `chainOf[${i}] must be ${NO_NODE} (no chain) or the index of one of the ` +
            `${chains.length} chains, got ${describe(v)}`,
        );
      }
    });
    let members = 0;
    chains.forEach((chain, c) =>
      chain.forEach((v, j) => {
        if (chainOf[v] !== c) {
          this.fail(
            `chains[${c}][${j}] is node ${v} ('${nodes[v]}'), but chainOf[${v}] is ${chainOf[v]}`,
          );
        }
        members++;
      }),
    );
    const inSomeChain = chainOf.filter((c) => c !== NO_NODE).length;
    if (inSomeChain !== members) {
      this.fail(
        `field 'chainOf' puts ${inSomeChain} nodes in chains, but 'chains' lists ${members}`,
      );
    }

    const lastConsumer = this.ints(
      this.perNode(raw.lastConsumer, "lastConsumer"),
      "lastConsumer",
      RETAINED_OUTPUT,
      n,
    );
    const consumers = this.ints(this.perNode(raw.consumers, "consumers"), "consumers", 0, n);
    const output = this.int(raw.output, "output", -1, n === 0 ? NO_NODE : 0, n);

    const cp = raw.criticalPath;
    if (!isRecord(cp)) this.fail(`field 'criticalPath' must be an object, got ${describe(cp)}`);
    for (const key of Object.keys(cp)) {
      if (key !== "nodes" && key !== "cost") this.fail(`unknown field 'criticalPath.${key}'`);
    }
    const criticalPath = {
      nodes: this.array(cp.nodes, "criticalPath.nodes").map((v, i) =>
        this.name(v, `criticalPath.nodes[${i}]`, names),
      ),
      cost: this.number(cp.cost, "criticalPath.cost", -1),
    };

    const plan: ExecutionPlan = {
      version: PLAN_VERSION,
      workflow,
      graphHash: hash,
      nodes,
      order,
      level,
      levels,
      cost,
      priority,
      chains,
      chainOf,
      lastConsumer,
      consumers,
      output,
      criticalPath,
    };
    if (raw.transitiveReduction !== undefined) {
      plan.transitiveReduction = this.array(raw.transitiveReduction, "transitiveReduction").map(
        (pair, i) => {
          const at = `transitiveReduction[${i}]`;
          const items = this.array(pair, at);
          if (items.length !== 2) this.fail(`${at} must be a [from, to] pair of node names`);
          return [this.name(items[0], `${at}[0]`, names), this.name(items[1], `${at}[1]`, names)];
        },
      );
    }
    return plan;
  }

  private fail(message: string): never {
    const whose = this.workflow === undefined ? "" : ` of workflow '${this.workflow}'`;
    throw new PlanFormatError(`invalid plan${whose}: ${message}`);
  }

  private array(value: unknown, at: string): unknown[] {
    if (!Array.isArray(value)) this.fail(`${at} must be an array, got ${describe(value)}`);
    return value;
  }

  /** A per-node field: an array with one item per node. Its items are checked in place. */
  private perNode(value: unknown, field: string): unknown[] {
    const list = this.array(value, `field '${field}'`);
    if (list.length !== this.n) {
      this.fail(`field '${field}' has ${list.length} items, expected one per node (${this.n})`);
    }
    return list;
  }

  // The list checks below run over one item per node, often thousands: plain loops over the
  // parsed arrays, which are returned as they are, and messages built only on failure.

  private indices(list: unknown[], field: string): number[] {
    for (let i = 0; i < list.length; i++) this.index(list[i], field, i);
    return list as number[];
  }

  private ints(list: unknown[], field: string, min: number, max: number): number[] {
    for (let i = 0; i < list.length; i++) this.int(list[i], field, i, min, max);
    return list as number[];
  }

  private numbers(list: unknown[], field: string): number[] {
    for (let i = 0; i < list.length; i++) this.number(list[i], field, i);
    return list as number[];
  }

  private string(value: unknown, at: string): string {
    if (typeof value !== "string") this.fail(`${at} must be a string, got ${describe(value)}`);
    return value;
  }

  /** A finite number, at `field[i]` (or `field` itself when `i` is -1). */
  private number(value: unknown, field: string, i: number): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.fail(`${itemAt(field, i)} must be a finite number, got ${describe(value)}`);
    }
    return value;
  }

  /** An integer in [min, max). */
  private int(value: unknown, field: string, i: number, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value >= max) {
      this.fail(
        `${itemAt(field, i)} must be an integer from ${min} to ${max - 1}, got ${describe(value)}`,
      );
    }
    return value;
  }

  private index(value: unknown, field: string, i: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= this.n) {
      this.fail(
        `${itemAt(field, i)} must be a node index (the plan has ${this.n} nodes), got ${describe(value)}`,
      );
    }
    return value;
  }

  private name(value: unknown, at: string, names: Map<string, number>): string {
    const name = this.string(value, at);
    if (!names.has(name)) this.fail(`${at} is '${name}', which is not one of the plan's nodes`);
    return name;
  }
}

/** `field[i]`, or `field` alone when `i` is -1. */
function itemAt(field: string, i: number): string {
  return i < 0 ? field : `${field}[${i}]`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short rendering of a bad value for an error message. */
function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
