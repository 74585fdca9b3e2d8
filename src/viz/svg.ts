/** SVG rendering of the DOT diagram with Graphviz compiled to WebAssembly (no browser, no binary). */
import type { Graphviz } from "@hpcc-js/wasm-graphviz";
import type { Graph } from "../graph/types.js";
import { buildDot, type DotOptions } from "./dot.js";

/** Options of {@link toSvg}. */
export type SvgOptions = DotOptions;

let graphviz: Promise<Graphviz> | undefined;

/**
 * The Graphviz module, loaded once per process on the first SVG: its JavaScript embeds the WASM
 * binary (megabytes), so `import "weftjs"` does not load it.
 */
function loadGraphviz(): Promise<Graphviz> {
  graphviz ??= import("@hpcc-js/wasm-graphviz")
    .then((m) => m.Graphviz.load())
    .catch((e: unknown) => {
      graphviz = undefined;
      throw e;
    });
  return graphviz;
}

/** Escapes text for an XML attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Renders DOT text to SVG with the `dot` layout. Throws on DOT syntax errors. The result starts
 * at `<svg` (no XML prolog or comments, so it embeds in HTML and carries no Graphviz version).
 */
export async function renderDot(dot: string): Promise<string> {
  const gv = await loadGraphviz();
  const svg = gv.layout(dot, "svg", "dot");
  const start = svg.indexOf("<svg");
  return `${svg
    .slice(start < 0 ? 0 : start)
    .replace(/<!--[\s\S]*?-->\n?/g, "")
    .trimEnd()}\n`;
}

/**
 * The workflow as an SVG image (the {@link toDot} diagram laid out by Graphviz compiled to
 * WebAssembly). Deterministic bytes. Each node's group has `id="weft_<id>"` and
 * `data-node="<name>"` (nested nodes: `"sub.node"`), so scripts can map clicks to nodes.
 *
 * @example
 * ```ts
 * import { toSvg } from "weftjs";
 * await fs.writeFile("etl.svg", await toSvg(etl.graph, { run: run.toJSON() }));
 * ```
 */
export async function toSvg(graph: Graph, options: SvgOptions = {}): Promise<string> {
  const { dot, elements } = buildDot(graph, options);
  const svg = await renderDot(dot);
  return svg.replace(
    /<g id="(weft_[A-Za-z0-9_]+)" class="([^"]*)">/g,
    (whole, id: string, cls: string) => {
      const path = elements.get(id);
      return path === undefined
        ? whole
        : `<g id="${id}" class="${cls}" data-node="${escapeXml(path)}">`;
    },
  );
}
