/** Webhook notifications at the end of a task workflow run: a JSON POST to each url. */
import { render } from "./template.js";
import type { NotificationEvent, NotificationSpec } from "./types.js";

/** What was sent, and how it went. */
export interface NotificationOutcome {
  event: NotificationEvent;
  url: string;
  /** HTTP status, when the server answered. */
  status?: number;
  error?: string;
}

/** The JSON body of a webhook. */
export interface WebhookBody {
  event: NotificationEvent;
  pipeline: string;
  version?: string;
  run_id: string;
  status: string;
  message: string;
  failed_tasks: string[];
  tasks: Record<string, { status: string; exit_code: number | null; duration: number }>;
}

/**
 * Posts each notification (url and message rendered with `scope`); failures are reported, not
 * thrown: a broken webhook never fails the pipeline. Each request times out after `timeoutMs`.
 */
export async function sendNotifications(
  event: NotificationEvent,
  specs: readonly NotificationSpec[],
  scope: Record<string, unknown>,
  body: Omit<WebhookBody, "event" | "message">,
  timeoutMs = 10_000,
): Promise<NotificationOutcome[]> {
  return Promise.all(
    specs.map(async (spec): Promise<NotificationOutcome> => {
      const url = render(spec.url, scope);
      if (url.trim() === "") return { event, url, error: "the url is empty; nothing sent" };
      const message = spec.message
        ? render(spec.message, scope)
        : `${body.pipeline} ${body.status}`;
      const headers: Record<string, string> = { "content-type": "application/json" };
      for (const [k, t] of Object.entries(spec.headers ?? {})) headers[k] = render(t, scope);
      try {
        const res = await fetch(url, {
          method: "POST",
          headers,
          body: JSON.stringify({ event, message, ...body } satisfies WebhookBody),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer();
        return {
          event,
          url,
          status: res.status,
          ...(res.ok ? {} : { error: `HTTP ${res.status}` }),
        };
      } catch (e) {
        return { event, url, error: (e as Error).message };
      }
    }),
  );
}
