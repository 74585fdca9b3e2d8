/** Regression tests: builders refuse non-functions and reserved names when they are given. */
import { describe, expect, it } from "vitest";
import { dag, fsm, looseDag, machine, next } from "../../src/index.js";

const notFn = "not a function" as never;

describe("builders check node functions at the call that adds them", () => {
  it("looseDag .node with a string is refused at .node() naming the node (not at run time)", () => {
    expect(() => looseDag("x").node("bad", {}, notFn)).toThrow(
      `workflow 'x': the function of node 'bad' is not a function (got the string "not a function")`,
    );
  });

  it("every DAG builder method taking a function checks it", () => {
    const b = looseDag("x").node("a", {}, () => 1);
    expect(() => b.then("t", notFn)).toThrow("node 't' is not a function");
    expect(() => b.condition("c", { v: "a" }, notFn)).toThrow("node 'c' is not a function");
    expect(() => b.select("s", { v: "a" }, notFn)).toThrow("node 's' is not a function");
    expect(() => b.any("y", { v: ["a"] }, notFn)).toThrow("node 'y' is not a function");
    expect(() => b.map("m", { items: "a" }, notFn)).toThrow("node 'm' is not a function");
    expect(() => dag("d").all("l", {}, undefined as never)).toThrow(
      "node 'l' is not a function (got a value of type undefined)",
    );
    expect(() => b.sub("s", (() => 1) as never, "a")).toThrow(
      "sub-workflow 's': expected a built DAG",
    );
  });

  it("state machines check handlers, guards and actions", () => {
    expect(() => fsm("f").states("a").state("a", notFn)).toThrow(
      "machine 'f': the handler of state 'a' is not a function",
    );
    const m = machine("m").states("a", "b").events("go");
    expect(() => m.transition("a", "go", "b", { guard: notFn })).toThrow(
      "machine 'm': the guard of transition 'go' is not a function",
    );
    expect(() => m.transition("a", "go", "b", { action: 5 as never })).toThrow(
      "machine 'm': the action of transition 'go' is not a function",
    );
  });
});

describe("builders refuse names that reach object prototypes", () => {
  it("DAG node names", () => {
    for (const name of ["__proto__", "constructor", "prototype", "toString"]) {
      expect(() => looseDag("x").node(name, {}, () => 1)).toThrow(
        `workflow 'x': node name '${name}' is not allowed`,
      );
    }
  });

  it("DAG ports and parameters, at build time", () => {
    const b = looseDag("x").node("a", {}, () => ({}));
    expect(() => b.node("m", { t: "a.__proto__" }, () => 1).build()).toThrow(
      "port '__proto__' is not allowed",
    );
    expect(() => b.node("m", { t: "input.constructor.constructor" }, () => 1).build()).toThrow(
      "port 'constructor.constructor' is not allowed",
    );
    expect(() => b.node("m", { __proto__: "a" } as never, () => 1).build()).not.toThrow();
    expect(() =>
      b.node("m", JSON.parse(`{"__proto__":"a"}`) as Record<string, string>, () => 1).build(),
    ).toThrow("parameter '__proto__' is not allowed");
  });

  it("state and event names", () => {
    expect(() => fsm("f").states("a", "__proto__")).toThrow(
      "machine 'f': state name '__proto__' is not allowed",
    );
    expect(() => machine("m").states("a").events("constructor")).toThrow(
      "machine 'm': event name 'constructor' is not allowed",
    );
    expect(() =>
      machine("m")
        .states("a", "b")
        .transition("a", "hasOwnProperty" as never, "b"),
    ).toThrow("machine 'm': event name 'hasOwnProperty' is not allowed");
    expect(() =>
      fsm("f")
        .states("a")
        .state("a", () => next("a"))
        .build(),
    ).not.toThrow();
  });
});
