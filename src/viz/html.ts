/** A standalone HTML page: diagram, node inspector and run timeline, with nothing loaded from outside. */
import type { Graph } from "../graph/types.js";
import type { InFlightRunRecord, RunRecord } from "../run/types.js";
import { STATUS_COLORS, STATUSES } from "./common.js";
import { pageData } from "./html-data.js";
import { LIVE_SCRIPT } from "./html-live.js";
import { escapeXml, toSvg } from "./svg.js";

/** Options of {@link toHtml}. */
export interface HtmlOptions {
  /** A run to show: node colours, timings and results in the inspector, and a timeline. */
  run?: RunRecord | InFlightRunRecord;
  /** The page title; the workflow's name by default. */
  title?: string;
  /**
   * Follow the run live: the page opens a Server-Sent Events stream at `eventsUrl` (same origin;
   * `weft/serve` gives one per run) and updates node colours, the inspector and the timeline as
   * events arrive. The page's content policy then allows connections to its own origin only.
   */
  live?: { eventsUrl: string };
}

/** JSON that is safe inside a `<script>` element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const statusCss = STATUSES.map((s) => {
  const c = STATUS_COLORS[s];
  return `.status-${s}{background:${c.fill};border-color:${c.stroke};color:${c.text}}`;
}).join("\n");

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#111827;background:#f9fafb}
header{padding:10px 16px;border-bottom:1px solid #e5e7eb;background:#fff;display:flex;gap:16px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:18px;margin:0}
.muted{color:#6b7280}
.badge{display:inline-block;padding:1px 8px;border:1px solid #d1d5db;border-radius:999px;font-size:12px}
main{display:grid;grid-template-columns:minmax(0,1fr) 360px;min-height:60vh}
#diagram{overflow:auto;padding:12px;background:#fff}
#diagram svg{max-width:none;height:auto}
#diagram [data-node]{cursor:pointer}
#diagram .selected>path,#diagram .selected>polygon,#diagram .selected>ellipse,#diagram .selected>polyline{stroke:#7c3aed!important;stroke-width:3px}
#inspector{border-left:1px solid #e5e7eb;padding:12px 16px;background:#fff;overflow:auto;max-height:100vh}
#inspector h2{margin:0 0 4px;font-size:17px;word-break:break-all}
#inspector h3{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#6b7280;margin:14px 0 4px}
#inspector pre{background:#f3f4f6;padding:8px;border-radius:6px;overflow:auto;max-height:300px;margin:0;white-space:pre-wrap;word-break:break-word}
#inspector ul{margin:0;padding-left:18px}
#inspector li{word-break:break-word}
#inspector li a{cursor:pointer;color:#2563eb}
#timeline{padding:12px 16px 24px;border-top:1px solid #e5e7eb;background:#fff}
#timeline h2{font-size:15px;margin:0 0 8px}
.row{display:grid;grid-template-columns:180px minmax(0,1fr);gap:8px;align-items:center;margin:2px 0;cursor:pointer}
.row .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-size:12px}
.track{position:relative;height:16px;background:#f3f4f6;border-radius:3px}
.bar{position:absolute;top:0;height:16px;border:1px solid;border-radius:3px;font-size:10px;line-height:14px;padding:0 3px;white-space:nowrap;overflow:visible}
.row.selected .track{outline:2px solid #7c3aed}
${statusCss}
`;

// Runs in the page. It builds the inspector with textContent only, so no graph text is ever parsed
// as HTML.
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("weft-data").textContent);
  var panel = document.getElementById("inspector");
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function section(title, body) {
    panel.appendChild(el("h3", title));
    panel.appendChild(body);
  }
  function field(name, text) {
    var p = el("div", text);
    p.setAttribute("data-field", name);
    return p;
  }
  function pre(name, text) {
    var p = el("pre", text);
    p.setAttribute("data-field", name);
    return p;
  }
  function links(name, list) {
    var ul = el("ul");
    ul.setAttribute("data-field", name);
    list.forEach(function (item) {
      var li = el("li");
      var a = el("a", item.text);
      a.addEventListener("click", function () { show(item.node); });
      li.appendChild(a);
      ul.appendChild(li);
    });
    return ul;
  }
  function select(path) {
    document.querySelectorAll(".selected").forEach(function (e) { e.classList.remove("selected"); });
    document.querySelectorAll("[data-node]").forEach(function (e) {
      if (e.getAttribute("data-node") === path) e.classList.add("selected");
    });
  }
  function show(path) {
    var info = data.nodes[path];
    if (!info) return;
    select(path);
    panel.textContent = "";
    panel.setAttribute("data-selected", path);
    var h = el("h2", info.path);
    h.setAttribute("data-field", "name");
    panel.appendChild(h);
    var kind = el("span", info.kind, "badge");
    kind.setAttribute("data-field", "kind");
    panel.appendChild(kind);
    if (info.run) {
      var st = el("span", info.run.status, "badge status-" + info.run.status);
      st.setAttribute("data-field", "status");
      panel.appendChild(document.createTextNode(" "));
      panel.appendChild(st);
    }
    if (info.type) section("Output type", pre("type", info.type));
    if (info.inputs.length) section("Inputs", links("inputs", info.inputs));
    if (info.outputs.length) section("Feeds", links("outputs", info.outputs));
    if (info.fn) section("Function", field("fn", info.fn));
    if (info.options) section("Options", pre("options", info.options));
    if (info.source) section("Source", field("source", info.source));
    if (info.doc) section("Doc", field("doc", info.doc));
    if (info.run) {
      var r = info.run, parts = [];
      if (r.ms !== undefined) parts.push(r.ms + " ms");
      if (r.startMs !== undefined && r.endMs !== undefined) parts.push("from " + r.startMs + " to " + r.endMs + " ms");
      if (r.attempts !== undefined) parts.push(r.attempts + (r.attempts === 1 ? " attempt" : " attempts"));
      section("Run", field("run", r.status + (parts.length ? " \\u00b7 " + parts.join(", ") : "")));
      if (r.error !== undefined) section("Error", pre("error", r.error));
      if (r.skipReason !== undefined) section("Skipped", field("skipReason", r.skipReason));
      if (r.result !== undefined) section("Result", pre("result", r.result));
    }
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    var hit = t && t.closest ? t.closest("[data-node]") : null;
    if (hit) show(hit.getAttribute("data-node"));
  });
  // The live script (html-live.ts) updates this data and re-shows the selected node.
  window.weftPage = { data: data, show: show };
  var tl = document.getElementById("timeline-rows");
  if (tl && data.timeline.length) {
    var total = data.totalMs || 1;
    data.timeline.forEach(function (b) {
      var row = el("div", undefined, "row");
      row.setAttribute("data-node", b.path);
      row.appendChild(el("div", b.path, "name"));
      var track = el("div", undefined, "track");
      var bar = el("div", (Math.round((b.endMs - b.startMs) * 10) / 10) + " ms", "bar status-" + b.status);
      bar.style.left = (100 * b.startMs / total) + "%";
      bar.style.width = Math.max(0.4, 100 * (b.endMs - b.startMs) / total) + "%";
      bar.title = b.path + ": " + b.startMs + "\\u2013" + b.endMs + " ms (" + b.status + ")";
      track.appendChild(bar);
      row.appendChild(track);
      tl.appendChild(row);
    });
  }
})();
`;

/**
 * One self-contained HTML page (no network access needed: styles, script and the SVG are inline)
 * with the workflow diagram, a node inspector (click a node to see its name, kind, output type,
 * inputs with their types, options, source location, doc and, with a run, its status, time and
 * result) and, with a run, a timeline with a bar per node from its start to its end.
 *
 * @example
 * ```ts
 * import { toHtml } from "weftjs";
 * const run = await etl.run(input);
 * await fs.writeFile("etl.html", await toHtml(etl.graph, { run: run.toJSON() }));
 * ```
 */
export async function toHtml(graph: Graph, options: HtmlOptions = {}): Promise<string> {
  const { run } = options;
  const svg = await toSvg(graph, { run });
  const data = pageData(graph, run);
  const title = options.title ?? graph.name;
  const live = options.live;
  const connect = live ? " connect-src 'self';" : "";
  const liveScripts = live
    ? `<script type="application/json" id="weft-live">${scriptJson({
        eventsUrl: live.eventsUrl,
        status: run?.status ?? "running",
        colors: STATUS_COLORS,
      })}</script>\n<script>${LIVE_SCRIPT}</script>\n`
    : "";
  const runLine = run
    ? `<span class="badge status-${escapeXml(runStatusClass(run.status))}" id="run-status">${escapeXml(run.status)}</span>` +
      `<span class="muted" id="run-summary">run ${escapeXml(run.runId)} · ${run.metrics.totalMs} ms · ${run.metrics.executed} executed, ${run.metrics.skipped} skipped, ${run.metrics.failed} failed</span>`
    : "";
  const timeline = run
    ? `<section id="timeline"><h2>Timeline</h2>${data.timeline.length ? "" : '<p class="muted">This run has no node start and end times.</p>'}<div id="timeline-rows"></div></section>`
    : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';${connect} style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeXml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${escapeXml(title)}</h1><span class="badge">${escapeXml(graph.kind)}</span><span class="muted">${graph.nodes.length} ${graph.kind === "fsm" ? "states" : "nodes"}</span>${runLine}</header>
<main>
<div id="diagram">
${svg}</div>
<aside id="inspector"><p class="muted">Click a node to inspect it.</p></aside>
</main>
${timeline}
<script type="application/json" id="weft-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
${liveScripts}</body>
</html>
`;
}

/** The colour class of a run status (run statuses map onto node status colours). */
function runStatusClass(status: RunRecord["status"] | InFlightRunRecord["status"]): string {
  switch (status) {
    case "completed":
    case "stopped":
    case "terminal":
      return "completed";
    case "failed":
      return "failed";
    case "cancelled":
    case "partial":
    case "max-cycles":
    case "interrupted":
      return "skipped";
    case "running":
      return "running";
    case "waiting":
      return "waiting";
  }
}
