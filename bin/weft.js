#!/usr/bin/env node
// The `weft` command. The CLI is TypeScript; tsx compiles it (and the workflows it loads) on the fly.
import { register } from "tsx/esm/api";

register();
await import("../compiler/cli.ts");
