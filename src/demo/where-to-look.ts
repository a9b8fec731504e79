/**
 * The "where to look" lines of the demo: the client URL, a curl to try, and the operator
 * pages. Each page is asked once at start so the demo never points at a route this build
 * does not have.
 */
const PAGES = [
  { path: '/status', what: 'status page (browser)' },
  { path: '/metrics', what: 'Prometheus metrics' },
] as const;

export async function endpointLines(clientUrl: string, logFile: string, inspectorUrl: string | null): Promise<string[]> {
  const origin = new URL(clientUrl).origin;
  const lines = [
    'where to look:',
    `  OpenAI-compatible endpoint  ${clientUrl}   (any API key; e.g. OPENAI_BASE_URL=${clientUrl})`,
    `  try it                      curl -s ${clientUrl}/chat/completions -H 'content-type: application/json' -d '{"model":"demo-model","messages":[{"role":"user","content":"hi"}]}'`,
  ];
  for (const page of PAGES) {
    const available = await exists(`${origin}${page.path}`);
    lines.push(`  ${page.what.padEnd(26)}  ${origin}${page.path}${available ? '' : '   (not in this build yet)'}`);
  }
  lines.push(`  Stately inspector           ${inspectorUrl ?? '(start the demo with --inspect to watch the actors live)'}`);
  lines.push(`  gateway log (JSON lines)    ${logFile}`);
  return lines;
}

async function exists(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status !== 404;
  } catch {
    return false;
  }
}
