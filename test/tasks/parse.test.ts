/** Reading task workflow files: the graph IR they become, and errors with line and column. */
import { Validator } from "@cfworker/json-schema";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { validateGraph } from "../../src/graph/validate.js";
import { ParseError } from "../../src/serialize/errors.js";
import {
  NOTIFICATION_EVENTS,
  NOTIFICATION_FIELDS,
  TASK_FIELDS,
  WORKFLOW_FIELDS,
} from "../../src/tasks/fields.js";
import { isTaskWorkflowText } from "../../src/tasks/detect.js";
import { parseTaskWorkflow, readTaskWorkflow } from "../../src/tasks/parse.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const EXAMPLES = path.join(ROOT, "examples/pipelines");
const exampleFiles = readdirSync(EXAMPLES).flatMap((d) =>
  readdirSync(path.join(EXAMPLES, d))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => path.join(EXAMPLES, d, f)),
);

/** The problems of a document, as `line:col message`. */
function problems(text: string): string[] {
  return readTaskWorkflow(text, { file: "wf.yaml", checkScripts: false }).issues.map(
    (i) => `${i.line}:${i.column} ${i.path}: ${i.message}`,
  );
}

describe("task workflow files", () => {
  it("become the graph IR: a node per task, matrix instances with a join, edges per dependency", () => {
    const wf = parseTaskWorkflow(
      [
        "name: etl",
        "tasks:",
        "  extract: { run: echo x, retries: 2, retry_backoff: exponential, retry_delay_ms: 5, timeout_minutes: 0.5 }",
        "  transform:",
        "    run: echo {{ matrix.n }}",
        "    depends_on: extract",
        "    matrix: { n: [1, 2], os: [a, b] }",
        "  alert:",
        "    run: echo alert",
        "    depends_on: [transform]",
        "    condition: '{{ transform.failed }}'",
      ].join("\n"),
      { file: "wf.yaml" },
    );
    expect(validateGraph(wf.graph)).toEqual([]);
    expect(wf.graph.nodes.map((n) => n.name)).toEqual([
      "extract",
      "transform[0]",
      "transform[1]",
      "transform[2]",
      "transform[3]",
      "transform",
      "alert",
    ]);
    expect(wf.graph.nodes[0].options).toEqual({
      retry: { attempts: 3, delayMs: 5, backoff: 2 },
      timeoutMs: 30_000,
    });
    expect(wf.graph.nodes[2].doc).toBe("echo {{ matrix.n }} (n=1, os=b)");
    expect(wf.graph.nodes.find((n) => n.name === "alert")?.options).toEqual({ runIf: "always" });
    expect(wf.graph.edges).toContainEqual({
      from: "extract",
      to: "transform[3]",
      param: "extract",
    });
    expect(wf.graph.edges).toContainEqual({
      from: "transform[3]",
      to: "transform",
      param: "transform[3]",
    });
    expect(wf.graph.edges).toContainEqual({ from: "transform", to: "alert", param: "transform" });
    expect(wf.graph.nodes[0].source).toEqual({ file: "wf.yaml", line: 3, column: 3 });
  });

  it("unknown task in depends_on, at the list item", () => {
    expect(problems("tasks:\n  a: { run: x }\n  b:\n    run: y\n    depends_on: [a, c]\n")).toEqual(
      ["5:21 tasks.b.depends_on[1]: task 'b' depends on unknown task 'c' (tasks: a)"],
    );
  });

  it("cycles, at the dependency that closes them", () => {
    const found = problems(
      "tasks:\n  a: { run: x, depends_on: [c] }\n  b: { run: y, depends_on: [a] }\n  c: { run: z, depends_on: b }\n",
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^\d+:\d+ tasks\.\w\.depends_on.*: dependency cycle: /);
    expect(found[0].match(/[abc] -> [abc] -> [abc] -> [abc]/)).not.toBeNull();
  });

  it("unknown fields, at the key, listing the known ones", () => {
    expect(problems("tasks:\n  a:\n    run: x\n    timout_minutes: 3\n")).toEqual([
      "4:5 tasks.a.timout_minutes: unknown field 'timout_minutes' in task 'a' (expected one of: " +
        TASK_FIELDS.join(", ") +
        ")",
    ]);
    expect(problems("name: x\nstages: []\ntasks:\n  a: { run: x }\n")[0]).toMatch(
      /^2:1 stages: unknown field/,
    );
  });

  it("template syntax errors point inside the string, quoted or plain", () => {
    expect(problems('tasks:\n  a:\n    run: "echo {{ a.b = 1 }}"\n')).toEqual([
      "3:23 tasks.a.run: bad template: unexpected character '=' (use == to compare)",
    ]);
    expect(problems("tasks:\n  a:\n    run: echo {{ x\n")).toEqual([
      "3:15 tasks.a.run: bad template: '{{' without a closing '}}'",
    ]);
  });

  it("unknown names in templates are errors at validation time, at the name", () => {
    const text = [
      "tasks:",
      "  a: { run: x }",
      "  b:",
      "    run: echo {{ a.exit_code }} {{ c.exit_code }}",
      "    depends_on: [a]",
      "    environment: { X: '{{ a.exitcode }}', Y: '{{ matrix.n }}' }",
      "    skip_if: '{{ pipeline.nope }}'",
      "  c: { run: z }",
    ].join("\n");
    expect(problems(text)).toEqual([
      "4:36 tasks.b.run: bad template '{{ c.exit_code }}': task 'c' is not upstream of 'b': add it to depends_on",
      "6:29 tasks.b.environment.X: bad template '{{ a.exitcode }}': unknown field 'exitcode' of task 'a' (fields: task, status, exit_code, failed, skipped, duration, stdout, stderr, outputs, attempts, signal, reason, matrix, instances)",
      "6:50 tasks.b.environment.Y: bad template '{{ matrix.n }}': 'matrix' is used but task 'b' has no matrix",
      "7:27 tasks.b.skip_if: bad template '{{ pipeline.nope }}': unknown field 'pipeline.nope' (fields: name, version, run_id)",
    ]);
    expect(problems("tasks:\n  a:\n    run: echo {{ nobody }}\n")).toEqual([
      "3:18 tasks.a.run: bad template '{{ nobody }}': unknown name 'nobody' (known here: env, pipeline)",
    ]);
  });

  it("bad values name the field and what was expected", () => {
    expect(
      problems(
        "tasks:\n  a:\n    script: a.exe\n    retries: -1\n    retry_backoff: linear\n    memory_mb: 1.5\n  input: { run: x }\n",
      ),
    ).toEqual([
      "3:13 tasks.a.script: cannot tell how to run 'a.exe': use .py, .sh, .js, .mjs, .cjs or .ts, or 'run' for a command",
      "4:14 tasks.a.retries: 'retries' must be an integer >= 0, got number -1",
      "5:20 tasks.a.retry_backoff: 'retry_backoff' must be 'fixed' or 'exponential', got string \"linear\"",
      "6:16 tasks.a.memory_mb: 'memory_mb' must be an integer >= 1, got number 1.5",
      "7:3 tasks.input: task name 'input' is reserved (templates use it for something else)",
    ]);
  });

  it("a missing script file is an error; parseTaskWorkflow throws every problem at once", () => {
    let error: unknown;
    try {
      parseTaskWorkflow("tasks:\n  a: { script: ./nope.sh }\n  b: { run: x, depends_on: [z] }\n", {
        file: path.join(ROOT, "wf.yaml"),
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).issues.map((i) => i.message)).toEqual([
      `script './nope.sh' not found (looked for ${path.join(ROOT, "nope.sh")})`,
      "task 'b' depends on unknown task 'z' (tasks: a)",
    ]);
  });

  it("tells task files from graph files", () => {
    expect(isTaskWorkflowText("name: x\ntasks:\n  a: { run: y }\n")).toBe(true);
    expect(isTaskWorkflowText('{"tasks": {"a": {"run": "y"}}}')).toBe(true);
    expect(isTaskWorkflowText("version: 1\nkind: dag\nnodes: []\n")).toBe(false);
  });
});

describe("the JSON Schema of the format", () => {
  const schema = JSON.parse(
    readFileSync(path.join(ROOT, "schema/workflow.schema.json"), "utf8"),
  ) as {
    properties: Record<string, { properties?: Record<string, unknown> }>;
    definitions: {
      task: { properties: Record<string, unknown> };
      notifications: { items: { properties: Record<string, unknown> } };
    };
  };
  const validator = new Validator(schema as never, "7");

  it("names the same fields as the parser", () => {
    expect(Object.keys(schema.properties).sort()).toEqual([...WORKFLOW_FIELDS].sort());
    expect(Object.keys(schema.definitions.task.properties).sort()).toEqual([...TASK_FIELDS].sort());
    expect(Object.keys(schema.properties.notifications.properties ?? {}).sort()).toEqual(
      [...NOTIFICATION_EVENTS].sort(),
    );
    expect(Object.keys(schema.definitions.notifications.items.properties).sort()).toEqual(
      [...NOTIFICATION_FIELDS].sort(),
    );
  });

  it.each(exampleFiles.map((f) => [path.relative(ROOT, f), f]))(
    "%s validates against it and points editors at it",
    (_name, file) => {
      const text = readFileSync(file, "utf8");
      expect(text.split("\n")[0]).toBe(
        "# yaml-language-server: $schema=../../../schema/workflow.schema.json",
      );
      const result = validator.validate(parseYaml(text));
      expect(result.errors).toEqual([]);
      expect(result.valid).toBe(true);
      expect(() => parseTaskWorkflow(text, { file })).not.toThrow();
    },
  );

  it("rejects what the parser rejects: an unknown field, both script and run, a bad backoff", () => {
    const bad = (doc: unknown): boolean => !validator.validate(doc).valid;
    expect(bad({ tasks: { a: { run: "x", timout_minutes: 1 } } })).toBe(true);
    expect(bad({ tasks: { a: { run: "x", script: "a.sh" } } })).toBe(true);
    expect(bad({ tasks: { a: { run: "x", retry_backoff: "linear" } } })).toBe(true);
    expect(bad({ tasks: { env: { run: "x" } } })).toBe(true);
    expect(bad({ tasks: { a: { run: "x" } } })).toBe(false);
  });
});
