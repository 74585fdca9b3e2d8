/**
 * fast-check, an optional peer dependency of weftjs: loaded here once, so importing
 * "weftjs/testing" without it installed fails with what to install rather than a resolution error
 * from deep inside the package.
 */
import type * as FastCheck from "fast-check";
import { missingPeer } from "../peers/missing-peer.js";

const loaded = await import("fast-check").catch((err: unknown) => {
  throw missingPeer(err, "fast-check", '"weftjs/testing"') ?? err;
});

/** fast-check's default export (`fc`), as `import fc from "fast-check"` gives it. */
const fc: typeof FastCheck.default = loaded.default;
export default fc;
