/** Delivering a finished run's record to the `callbackUrl` given when it started. */

/** What became of a callback. */
export interface CallbackResult {
  url: string;
  delivered: boolean;
  attempts: number;
  /** HTTP status of the last answer, when there was one. */
  status?: number;
  error?: string;
}

/**
 * POSTs `body` (a run record as JSON) to `url`, retrying network errors and 5xx answers with a
 * doubling delay. Gives up early when `signal` aborts (the server is closing).
 */
export async function deliverCallback(
  url: string,
  body: string,
  runId: string,
  opts: { attempts: number; timeoutMs: number; signal: AbortSignal },
): Promise<CallbackResult> {
  let last: CallbackResult = { url, delivered: false, attempts: 0 };
  for (let attempt = 1; attempt <= opts.attempts && !opts.signal.aborted; attempt++) {
    last = { url, delivered: false, attempts: attempt };
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-weft-run-id": runId },
        body,
        signal: AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      last.status = res.status;
      if (res.ok) return { ...last, delivered: true };
      if (res.status < 500) return last; // the receiver refused it; sending again will not help
      last.error = `HTTP ${res.status}`;
    } catch (err) {
      last.error = err instanceof Error ? err.message : String(err);
    }
    if (attempt < opts.attempts) await sleep(100 * 2 ** (attempt - 1), opts.signal);
  }
  return last;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** A callback URL must be absolute http(s); returns the problem, or `undefined` when it is fine. */
export function callbackUrlProblem(value: unknown): string | undefined {
  if (typeof value !== "string") return "must be a string (an http or https URL)";
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return "is not a URL";
  }
  return u.protocol === "http:" || u.protocol === "https:" ? undefined : "must be http or https";
}
