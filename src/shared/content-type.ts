/** Whether a response (its lower-cased headers) is a server-sent event stream. */
export function isEventStream(headers: Readonly<Record<string, string>>): boolean {
  return (headers['content-type'] ?? '').startsWith('text/event-stream');
}
