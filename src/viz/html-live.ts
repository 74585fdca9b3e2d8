/**
 * The script that makes the HTML page live: it follows a run's Server-Sent Events and recolours
 * the diagram, the inspector's status and the timeline as nodes start and settle, with no reload
 * and nothing loaded from outside. The events are the run's `RunEvent`s as JSON (see `weft/serve`).
 */

// Runs in the page after the page's own script. It rebuilds its view of the run from the event
// stream (a fresh connection replays the run from its first event), so a page opened mid-run and
// a page that reconnects both end with the same picture.
export const LIVE_SCRIPT = `
(function () {
  var live = JSON.parse(document.getElementById("weft-live").textContent);
  var page = window.weftPage;
  var data = page.data;
  var colors = live.colors;
  var t0 = null, total = 0, nodes = {}, resumed = false;
  var kinds = ["run-start", "node-start", "node-complete", "node-retry", "node-skip", "node-fail", "progress", "run-waiting", "run-signalled", "run-complete"];
  function paint(path, status) {
    var c = colors[status];
    document.querySelectorAll("#diagram g[data-node]").forEach(function (g) {
      if (g.getAttribute("data-node") !== path) return;
      g.setAttribute("data-status", status);
      g.setAttribute("class", (g.getAttribute("class") || "").replace(/\\s*status-[a-z]+/g, "") + " status-" + status);
      if (!c) return;
      g.querySelectorAll("path,polygon,ellipse,polyline").forEach(function (s) {
        if (s.getAttribute("fill") !== "none") s.setAttribute("fill", c.fill);
        s.setAttribute("stroke", c.stroke);
      });
      g.querySelectorAll("text").forEach(function (s) { s.setAttribute("fill", c.text); });
    });
    var info = data.nodes[path];
    if (info) info.run = Object.assign(info.run || {}, { status: status });
    if (info && document.getElementById("inspector").getAttribute("data-selected") === path) page.show(path);
  }
  function timeline() {
    var tl = document.getElementById("timeline-rows");
    if (!tl) return;
    var bars = Object.keys(nodes).map(function (k) { return nodes[k]; })
      .filter(function (n) { return n.startMs !== undefined; })
      .sort(function (a, b) { return a.startMs - b.startMs || (a.path < b.path ? -1 : 1); });
    var end = total;
    bars.forEach(function (b) { if (b.endMs !== undefined && b.endMs > end) end = b.endMs; });
    end = end || 1;
    tl.textContent = "";
    var empty = document.querySelector("#timeline p.muted");
    if (empty && bars.length) empty.remove();
    bars.forEach(function (b) {
      var stop = b.endMs !== undefined ? b.endMs : total;
      var row = document.createElement("div");
      row.className = "row";
      row.setAttribute("data-node", b.path);
      row.setAttribute("data-status", b.status);
      var name = document.createElement("div");
      name.className = "name";
      name.textContent = b.path;
      row.appendChild(name);
      var track = document.createElement("div");
      track.className = "track";
      var bar = document.createElement("div");
      bar.className = "bar status-" + b.status;
      bar.textContent = Math.round((stop - b.startMs) * 10) / 10 + " ms";
      bar.style.left = (100 * b.startMs / end) + "%";
      bar.style.width = Math.max(0.4, 100 * (stop - b.startMs) / end) + "%";
      track.appendChild(bar);
      row.appendChild(track);
      tl.appendChild(row);
    });
  }
  function node(path) {
    return nodes[path] || (nodes[path] = { path: path, status: "pending" });
  }
  function on(ev) {
    var at = ev.at;
    // A signalled run starts again (maybe days later, in another process): its times go on
    // from where the parked part left off.
    if (ev.type === "run-signalled") resumed = true;
    else if (ev.type === "run-start" || t0 === null) { t0 = resumed ? at - total : at; resumed = false; }
    var ms = resumed || t0 === null ? total : at - t0;
    if (ms > total) total = ms;
    var n;
    switch (ev.type) {
      case "node-start":
        n = node(ev.node); n.status = "running"; n.startMs = ms; n.endMs = undefined; paint(ev.node, "running"); break;
      case "node-complete":
        n = node(ev.node); n.status = "completed"; n.endMs = ms;
        if (n.startMs === undefined) n.startMs = Math.max(0, ms - ev.ms);
        if (data.nodes[ev.node]) data.nodes[ev.node].run = Object.assign(data.nodes[ev.node].run || {}, { ms: ev.ms });
        paint(ev.node, "completed"); break;
      case "node-fail":
        n = node(ev.node); n.status = "failed"; n.endMs = ms;
        if (data.nodes[ev.node]) data.nodes[ev.node].run = Object.assign(data.nodes[ev.node].run || {}, { error: ev.error });
        paint(ev.node, "failed"); break;
      case "node-skip":
        node(ev.node).status = "skipped"; paint(ev.node, "skipped"); break;
      case "run-waiting":
        (ev.waiting || []).forEach(function (w) { node(w.node).status = "waiting"; paint(w.node, "waiting"); });
        break;
      case "run-signalled":
        n = node(ev.node); n.status = "completed"; paint(ev.node, "completed");
        var rs = document.getElementById("run-status");
        if (rs) { rs.textContent = "running"; rs.className = "badge status-running"; }
        document.body.setAttribute("data-run-status", "running");
        break;
      case "run-complete":
        if (ev.ms > total) total = ev.ms;
        var st = document.getElementById("run-status");
        if (st) {
          st.textContent = ev.status;
          st.className = "badge status-" + (ev.status === "completed" || ev.status === "stopped" || ev.status === "terminal" ? "completed" : ev.status === "failed" ? "failed" : ev.status === "waiting" ? "waiting" : "skipped");
        }
        var counts = { completed: 0, skipped: 0, failed: 0 };
        Object.keys(nodes).forEach(function (k) { if (counts[nodes[k].status] !== undefined) counts[nodes[k].status]++; });
        var sum = document.getElementById("run-summary");
        if (sum) sum.textContent = "run " + ev.runId + " \u00b7 " + Math.round(total * 10) / 10 + " ms \u00b7 " + counts.completed + " executed, " + counts.skipped + " skipped, " + counts.failed + " failed";
        document.body.setAttribute("data-run-status", ev.status);
        // A parked run goes on when signalled: keep following it.
        if (ev.status !== "waiting") source.close();
        break;
    }
    timeline();
  }
  document.body.setAttribute("data-run-status", live.status);
  var source = new EventSource(live.eventsUrl);
  kinds.forEach(function (k) {
    source.addEventListener(k, function (m) { on(JSON.parse(m.data)); });
  });
  source.addEventListener("open", function () { document.body.setAttribute("data-live", "open"); });
})();
`;
