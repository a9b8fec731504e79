/**
 * The demo's client load: a few workers sending JSON and streaming chat completions through
 * fusebox with the `openai` SDK, retries off, so every error the gateway lets through is
 * counted. The SDK is a dev dependency: it is imported only when the load starts.
 */
export interface LoadStats {
  json: number;
  stream: number;
  /** Client-visible errors: anything the SDK threw or a stream that ended early. */
  errors: number;
  lastError: string | null;
  /** Slowest request so far, ms. */
  slowestMs: number;
}

export interface DemoLoad {
  readonly stats: LoadStats;
  /** Stops sending and waits for the requests in flight. */
  stop(graceMs?: number): Promise<void>;
}

export interface LoadOptions {
  readonly baseURL: string;
  readonly workers: number;
  /** Pause between one worker's requests, ms. */
  readonly pauseMs: number;
}

type OpenAIClient = import('openai').OpenAI;

export async function startDemoLoad(options: LoadOptions): Promise<DemoLoad> {
  const { OpenAI } = await import('openai').catch(() => {
    throw new Error('the demo client needs the openai package, a dev dependency: run it from a clone after `npm ci`');
  });
  const client = new OpenAI({ baseURL: options.baseURL, apiKey: 'demo-client', maxRetries: 0, timeout: 30_000 });
  const stats: LoadStats = { json: 0, stream: 0, errors: 0, lastError: null, slowestMs: 0 };
  let running = true;
  // One controller per request (a shared signal would collect the SDK's listeners).
  const inFlight = new Set<AbortController>();
  let cancelled = false;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function worker(n: number): Promise<void> {
    for (let i = 0; running; i++) {
      const started = Date.now();
      const controller = new AbortController();
      inFlight.add(controller);
      try {
        await ((i + n) % 2 === 0 ? oneJson(client, stats, controller.signal) : oneStream(client, stats, controller.signal));
      } catch (error) {
        if (cancelled) return;
        stats.errors += 1;
        stats.lastError = (error as Error).message.slice(0, 160);
      } finally {
        inFlight.delete(controller);
      }
      stats.slowestMs = Math.max(stats.slowestMs, Date.now() - started);
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may clear it during the request
      if (running) await sleep(options.pauseMs * (0.5 + Math.random()));
    }
  }

  const workers = Array.from({ length: options.workers }, (_, n) => worker(n));
  return {
    stats,
    /** Lets requests in flight finish for up to `graceMs`, then cancels them (not counted as errors). */
    async stop(graceMs = 3_000) {
      running = false;
      const grace = setTimeout(() => {
        cancelled = true;
        for (const controller of inFlight) controller.abort();
      }, graceMs);
      await Promise.all(workers);
      clearTimeout(grace);
    },
  };
}

async function oneJson(client: OpenAIClient, stats: LoadStats, signal: AbortSignal): Promise<void> {
  const reply = await client.chat.completions.create({ model: 'demo-model', messages: [{ role: 'user', content: 'Say hello.' }] }, { signal });
  if (!reply.choices[0]?.message.content) throw new Error('empty JSON answer');
  stats.json += 1;
}

async function oneStream(client: OpenAIClient, stats: LoadStats, signal: AbortSignal): Promise<void> {
  const stream = await client.chat.completions.create(
    { model: 'demo-model', messages: [{ role: 'user', content: 'Count to seven.' }], stream: true },
    { signal },
  );
  let finished = false;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.finish_reason) finished = true;
  }
  // The SDK accepts a stream cut off without [DONE]; the demo does not.
  if (!finished) throw new Error('stream ended without a finish_reason');
  stats.stream += 1;
}
