import { describe, expect, it } from "vitest";
import { redisEngine } from "../../src/distributed/index.js";
import { dag } from "../../src/index.js";
import { deleteKeys, testPrefix } from "./helpers.js";

describe("distributed engine and streams", () => {
  it("refuses a workflow with a stream node, naming it, before anything is written", async () => {
    const prefix = testPrefix("stream");
    const engine = redisEngine({ prefix });
    const wf = dag("streamed")
      .stream("nums", {}, async function* () {
        yield 1;
      })
      .node("sum", { xs: "nums" }, async ({ xs }) => {
        let s = 0;
        for await (const x of xs) s += x;
        return s;
      })
      .build();
    try {
      await expect(engine.start(wf, undefined)).rejects.toThrow(
        "workflow 'streamed' has stream node 'nums': a stream's items flow within one process, so run it with wf.run()",
      );
    } finally {
      await engine.close();
      await deleteKeys(prefix);
    }
  }, 60_000);
});
