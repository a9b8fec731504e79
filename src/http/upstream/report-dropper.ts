/**
 * Takes the usage report fusebox asked for (UsageReading.askForReport) out of a passed-through
 * event stream, so the client gets exactly the events it asked for. Other events pass as the
 * upstream sent them: a chunk goes on as is (no copy) unless it holds the report or ends
 * mid-event; only complete events are passed on, the unfinished rest waits for its end.
 * Nothing is parsed: `isReport` looks for the report's bytes.
 */
export class ReportDropper {
  private held: Buffer | null = null;

  constructor(private readonly isReport: (events: Buffer) => boolean) {}

  /** The complete events of `chunk` (and what was held before it), the report dropped; empty when none is complete yet. */
  push(chunk: Buffer): Buffer {
    const bytes = this.held === null ? chunk : Buffer.concat([this.held, chunk]);
    const end = completeEnd(bytes);
    this.held = end < bytes.length ? bytes.subarray(end) : null;
    const complete = end === bytes.length ? bytes : bytes.subarray(0, end);
    if (complete.length === 0 || !this.isReport(complete)) return complete;
    return Buffer.concat(splitEvents(complete).filter((event) => !this.isReport(event)));
  }

  /** What is left at the end of the stream (an event without its blank line), as it came. */
  flush(): Buffer | null {
    const rest = this.held;
    this.held = null;
    return rest;
  }
}

const BLANK_LINES = ['\n\n', '\r\r', '\r\n\r\n'];

/** The offset just past the last blank line of `bytes` (the end of its last complete event); 0 when none. */
function completeEnd(bytes: Buffer): number {
  let end = 0;
  for (const blank of BLANK_LINES) {
    const at = bytes.lastIndexOf(blank);
    if (at !== -1) end = Math.max(end, at + blank.length);
  }
  return end;
}

/** Complete events, each with the blank line that ends it (subarrays, no copies). */
function splitEvents(bytes: Buffer): Buffer[] {
  const events: Buffer[] = [];
  let from = 0;
  while (from < bytes.length) {
    const end = nextEnd(bytes, from);
    events.push(bytes.subarray(from, end));
    from = end;
  }
  return events;
}

function nextEnd(bytes: Buffer, from: number): number {
  let end = bytes.length;
  for (const blank of BLANK_LINES) {
    const at = bytes.indexOf(blank, from);
    if (at !== -1) end = Math.min(end, at + blank.length);
  }
  return end;
}
