/** Small clients for the operator routes, used by the admin, metrics and status tests. */
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

/** The admin API's JSON bodies as tests read them: a test asserts the values, these only name the fields. */
export interface ErrorJson {
  readonly error: { readonly code: string; readonly message: string; readonly type?: string };
}
export interface CredentialJson {
  readonly id: string;
  readonly usable: boolean;
  readonly disabled: string | null;
  readonly cooldownUntil: number | null;
  readonly weight: number;
}
export interface ActorJson {
  readonly id: string;
  readonly role: string;
  readonly state: string;
  readonly isolated: boolean;
  readonly openUntil: number | null;
  readonly health: { readonly calls: number; readonly failures: number; readonly consecutiveFailures: number; readonly score: number };
  readonly credentials: readonly CredentialJson[];
}
export interface TransitionJson {
  readonly actorId: string;
  readonly from: string;
  readonly to: string;
  readonly event: string;
  readonly reason: string;
  readonly actor: ActorJson;
}

export function adminUrl(gatewayUrl: string, path: string): string {
  return new URL(path, gatewayUrl).toString();
}

/** One admin call; `json` is the parsed body (null when it is not JSON), typed `T` as the caller expects it. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the body it expects; its assertions check it
export async function admin<T = unknown>(
  gatewayUrl: string,
  path: string,
  init: { method?: string; token?: string | null } = {},
): Promise<{ status: number; headers: Headers; text: string; json: T }> {
  const token = init.token === undefined ? ADMIN_TOKEN : init.token;
  const res = await fetch(adminUrl(gatewayUrl, path), {
    method: init.method ?? 'GET',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json: json as T };
}

export interface SseEvent<D = unknown> {
  readonly event: string;
  readonly data: D;
}

/** Reads /admin/events; `next(predicate)` resolves with the first matching event (bounded wait). */
export async function openFeed(gatewayUrl: string, token = ADMIN_TOKEN) {
  const controller = new AbortController();
  const res = await fetch(adminUrl(gatewayUrl, '/admin/events'), {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const raw: string[] = [];
  const waiters: { test: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  const reading = (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const blocks = buffer.split('\n\n');
      buffer = blocks.pop()!;
      for (const block of blocks) {
        raw.push(block);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!event || data === undefined) continue;
        const parsed: SseEvent = { event, data: JSON.parse(data) as unknown };
        events.push(parsed);
        for (const w of waiters.splice(0)) {
          if (w.test(parsed)) w.resolve(parsed);
          else waiters.push(w);
        }
      }
    }
  })().catch(() => undefined);
  return {
    status: res.status,
    headers: res.headers,
    events,
    raw,
    /** The first event `test` accepts; its data typed `D` as the caller expects that event's data. */
    next<D = unknown>(test: (e: SseEvent<D>) => boolean, timeoutMs = 3000): Promise<SseEvent<D>> {
      const accepts = test as (e: SseEvent) => boolean;
      const found = events.find(accepts);
      if (found) return Promise.resolve(found as SseEvent<D>);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching SSE event within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          test: accepts,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e as SseEvent<D>);
          },
        });
      });
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}
