/**
 * Prometheus metrics of one server (prom-client, in a registry of its own so several servers in
 * one process do not share counters).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { RunEvent } from "../run/types.js";

export class ServeMetrics {
  readonly registry = new Registry();
  private readonly started = new Counter({
    name: "weft_runs_started_total",
    help: "Runs started, by workflow.",
    labelNames: ["workflow"],
    registers: [this.registry],
  });
  private readonly finished = new Counter({
    name: "weft_runs_finished_total",
    help: "Runs finished, by workflow and final status.",
    labelNames: ["workflow", "status"],
    registers: [this.registry],
  });
  private readonly signalled = new Counter({
    name: "weft_runs_signalled_total",
    help: "Signals that continued a waiting run, by workflow.",
    labelNames: ["workflow"],
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: "weft_runs_in_flight",
    help: "Runs started and not yet finished, by workflow.",
    labelNames: ["workflow"],
    registers: [this.registry],
  });
  private readonly nodeSeconds = new Histogram({
    name: "weft_node_duration_seconds",
    help: "Time a node took to complete (all attempts), by workflow and node.",
    labelNames: ["workflow", "node"],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: "weft_node_retries_total",
    help: "Node retries, by workflow and node.",
    labelNames: ["workflow", "node"],
    registers: [this.registry],
  });
  private readonly cacheHits = new Counter({
    name: "weft_node_cache_hits_total",
    help: "Node results taken from the cache, by workflow and node.",
    labelNames: ["workflow", "node"],
    registers: [this.registry],
  });

  /** A run goes; a waiting run continued by a signal counts as signalled, not started again. */
  runStarted(workflow: string, how: "started" | "continued" = "started"): void {
    if (how === "started") this.started.inc({ workflow });
    else this.signalled.inc({ workflow });
    this.inFlight.inc({ workflow });
  }

  runFinished(workflow: string, status: string): void {
    this.finished.inc({ workflow, status });
    this.inFlight.dec({ workflow });
  }

  /** The server stopped following a run that goes on elsewhere (an engine run, at close). */
  runDetached(workflow: string): void {
    this.inFlight.dec({ workflow });
  }

  event(workflow: string, e: RunEvent): void {
    if (e.type === "node-complete") {
      if (e.cached) this.cacheHits.inc({ workflow, node: e.node });
      else this.nodeSeconds.observe({ workflow, node: e.node }, e.ms / 1000);
    } else if (e.type === "node-retry") {
      this.retries.inc({ workflow, node: e.node });
    }
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
