export { toMermaid, escapeMermaid, type MermaidOptions } from "./mermaid.js";
export { toDot, type DotOptions } from "./dot.js";
export { toSvg, type SvgOptions } from "./svg.js";
export { toHtml, type HtmlOptions } from "./html.js";
export { type Direction, type VizOptions } from "./common.js";
