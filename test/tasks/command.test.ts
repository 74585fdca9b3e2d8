/** What a task runs: interpreters by extension, direct starts, and how memory_mb is applied. */
import { describe, expect, it } from "vitest";
import { directCommand, findPrlimit, resolveCommand } from "../../src/tasks/command.js";

const base = { cwd: "/p", env: {} };

describe("task commands", () => {
  it("scripts run by their extension", () => {
    const of = (script: string) => {
      const c = resolveCommand({ ...base, script });
      return [c.command, ...c.args];
    };
    expect(of("/p/a.py")).toEqual(["python3", "/p/a.py"]);
    expect(of("/p/a.sh")).toEqual(["bash", "/p/a.sh"]);
    expect(of("/p/a.mjs")).toEqual([process.execPath, "/p/a.mjs"]);
    const ts = of("/p/a.ts");
    expect(ts[0]).toBe(process.execPath);
    expect(ts[1]).toMatch(/tsx[/\\]dist[/\\]cli\.m?js$/);
    expect(ts[2]).toBe("/p/a.ts");
  });

  it("a command without shell syntax starts directly; anything else goes through bash", () => {
    expect(directCommand("true")).toEqual(["true"]);
    expect(directCommand("node transform.js --source api")).toEqual([
      "node",
      "transform.js",
      "--source",
      "api",
    ]);
    for (const shell of [
      "echo $HOME",
      'echo "a b"',
      "a && b",
      "ls *.txt",
      "echo hi > out",
      "exit 3",
      "cd dir",
      "X=1 env",
      "a | b",
      "sleep 1 &",
      "echo ~",
    ]) {
      expect(directCommand(shell), shell).toBeUndefined();
    }
    expect(resolveCommand({ ...base, run: "exit 3" })).toMatchObject({
      command: "bash",
      args: ["-c", "exit 3"],
    });
  });

  it("memory_mb: a heap limit for node, an address-space limit for the rest", () => {
    expect(resolveCommand({ ...base, script: "/p/a.js", memoryMb: 100 })).toMatchObject({
      command: process.execPath,
      args: ["--max-old-space-size=100", "/p/a.js"],
      memory: "node-heap",
    });
    const cmd = resolveCommand({ ...base, run: "node big.js", memoryMb: 100 });
    expect(cmd.memory).toBe("node-heap");
    expect(cmd.env.NODE_OPTIONS).toBe("--max-old-space-size=100");
    const sh = resolveCommand({ ...base, script: "/p/a.sh", memoryMb: 100 });
    if (findPrlimit()) {
      expect(sh).toMatchObject({
        command: findPrlimit(),
        args: [`--as=${100 * 1024 * 1024}`, "--", "bash", "/p/a.sh"],
        memory: "address-space",
      });
    } else {
      expect(sh).toMatchObject({ command: "bash", args: ["/p/a.sh"], memory: "none" });
    }
  });
});
