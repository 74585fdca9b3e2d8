/**
 * The `yaml` package, loaded on the first YAML read or write rather than with `import "weftjs"`
 * (JSON documents and runs never need it). A synchronous require, since the readers are sync.
 */
import { createRequire } from "node:module";

type YamlLib = typeof import("yaml");

let lib: YamlLib | undefined;

/** The yaml module. */
export function yamlLib(): YamlLib {
  lib ??= createRequire(import.meta.url)("yaml") as YamlLib;
  return lib;
}
