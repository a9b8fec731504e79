/** Small clients for the operator routes, used by the admin, metrics and status tests. */
export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';

export function adminUrl(gatewayUrl: string, path: string): string {
  return new URL(path, gatewayUrl).toString();
}

export async function admin(
  gatewayUrl: string,
  path: string,
  init: { method?: string; token?: string | null } = {},
): Promise<{ status: number; headers: Headers; text: string; json: any }> {
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
  return { status: res.status, headers: res.headers, text, json };
}

export interface SseEvent {
  readonly event: string;
  readonly data: any;
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
        const parsed = { event, data: JSON.parse(data) };
        events.push(parsed);
        for (const w of waiters.splice(0)) (w.test(parsed) ? w.resolve(parsed) : waiters.push(w));
      }
    }
  })().catch(() => undefined);
  return {
    status: res.status,
    headers: res.headers,
    events,
    raw,
    next(test: (e: SseEvent) => boolean, timeoutMs = 3000): Promise<SseEvent> {
      const found = events.find(test);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching SSE event within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ test, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}
