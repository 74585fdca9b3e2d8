/** Errors raised while reading or writing graphs and run records. */

/** One problem found in a document: where it is and what is wrong. */
export interface ParseIssue {
  /** Field path inside the document, e.g. `nodes[2].options.retry.attempts`; `""` for the root. */
  path: string;
  message: string;
  /** The file named in the options, if any. */
  file?: string;
  /** 1-based line and column of the offending text, where known. */
  line?: number;
  column?: number;
}

/** Formats an issue as `file:line:col - path: message` (parts that are unknown are left out). */
export function formatIssue(issue: ParseIssue): string {
  let where = issue.file ?? "";
  if (issue.line !== undefined) {
    where += `${where ? ":" : "line "}${issue.line}:${issue.column ?? 1}`;
  }
  const what = issue.path ? `${issue.path}: ${issue.message}` : issue.message;
  return where ? `${where} - ${what}` : what;
}

/**
 * Thrown by `parseGraph` and `parseRunRecord` when a document is malformed, hostile or does not
 * describe a valid workflow. `issues` lists every problem found, each with its field path and,
 * where possible, its line and column.
 */
export class ParseError extends Error {
  readonly issues: ParseIssue[];
  readonly file?: string;
  constructor(what: string, issues: ParseIssue[], file?: string) {
    const head = `${file ? `${file}: ` : ""}${what}`;
    super(
      issues.length === 1
        ? `${head}: ${formatIssue(issues[0])}`
        : `${head} (${issues.length} problems):\n${issues.map((i) => `  ${formatIssue(i)}`).join("\n")}`,
    );
    this.name = "ParseError";
    this.issues = issues;
    this.file = file;
  }
}

/** Thrown when an in-memory graph or run record cannot be written faithfully. */
export class SerializeError extends Error {
  /** Field path of the value that cannot be written. */
  readonly path: string;
  /** `what` says what was being written, e.g. `cannot serialize graph 'etl'`. */
  constructor(path: string, message: string, what?: string) {
    super(`${what ? `${what}: ` : ""}${path ? `${path}: ` : ""}${message}`);
    this.name = "SerializeError";
    this.path = path;
  }
}

/**
 * Thrown by `fromGraph` when the registry lacks a node's function or sub-workflow. The message
 * names every node that could not be resolved, what was looked for, and what the registry holds.
 */
export class RegistryError extends Error {
  /** One entry per unresolved node (nested nodes as `sub.node`). */
  readonly problems: { node: string; message: string }[];
  /** The registry's keys. */
  readonly available: string[];
  /** `workflow` is `undefined` for a registry used on its own (`registry().resolve(...)`). */
  constructor(
    workflow: string | undefined,
    problems: { node: string; message: string }[],
    available: string[],
  ) {
    const list = available.length ? available.map((n) => `'${n}'`).join(", ") : "(nothing)";
    super(
      (workflow === undefined ? "registry:\n" : `cannot rebuild workflow '${workflow}':\n`) +
        problems.map((p) => `  - node '${p.node}': ${p.message}`).join("\n") +
        `\n  the registry has: ${list}`,
    );
    this.name = "RegistryError";
    this.problems = problems;
    this.available = available;
  }
}
