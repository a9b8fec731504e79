/**
 * The "where to look" lines of the demo: the client URL, a curl to try, and the operator
 * pages. Each page is asked once at start so the demo never points at a route this build
 * does not have. The admin token is the demo's own, made up for this run.
 */
export async function endpointLines(clientUrl: string, logFile: string, inspectorUrl: string | null, adminToken: string): Promise<string[]> {
  const origin = new URL(clientUrl).origin;
  const auth = `-H 'authorization: Bearer ${adminToken}'`;
  const pages = [
    { label: 'status page (browser)', path: '/status', text: `${origin}/status   (admin token for this run: ${adminToken})` },
    { label: 'Prometheus metrics', path: '/metrics', text: `curl -s ${auth} ${origin}/metrics` },
    { label: 'actors as JSON', path: '/admin/actors', text: `curl -s ${auth} ${origin}/admin/actors` },
  ];
  const lines = [
    'where to look:',
    `  OpenAI-compatible endpoint  ${clientUrl}   (any API key; e.g. OPENAI_BASE_URL=${clientUrl})`,
    `  try it                      curl -s ${clientUrl}/chat/completions -H 'content-type: application/json' -d '{"model":"demo-model","messages":[{"role":"user","content":"hi"}]}'`,
  ];
  for (const page of pages) {
    const available = await exists(`${origin}${page.path}`, adminToken);
    lines.push(`  ${page.label.padEnd(26)}  ${available ? page.text : `${origin}${page.path}   (not in this build)`}`);
  }
  lines.push(`  Stately inspector           ${inspectorUrl ?? '(start the demo with --inspect to watch the actors live)'}`);
  lines.push(`  gateway log (JSON lines)    ${logFile}`);
  return lines;
}

async function exists(url: string, adminToken: string): Promise<boolean> {
  try {
    const response = await fetch(url, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status !== 404;
  } catch {
    return false;
  }
}
