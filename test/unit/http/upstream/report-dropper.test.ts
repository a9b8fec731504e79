import { describe, expect, it } from 'vitest';
import { ReportDropper } from '../../../../src/http/upstream/report-dropper.js';
import { openAiUsage } from '../../../../src/http/protocols/openai/usage.js';

const content = 'data: {"choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}\n\n';
const report = 'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n';
const done = 'data: [DONE]\n\n';

/** Everything the client gets when the stream arrives in `chunks`. */
function through(chunks: readonly string[]): string {
  const dropper = new ReportDropper(openAiUsage.isReport!);
  const out = chunks.map((chunk) => dropper.push(Buffer.from(chunk)).toString('utf8'));
  return out.join('') + (dropper.flush()?.toString('utf8') ?? '');
}

describe('ReportDropper', () => {
  it('passes chunks of whole events as they are, the very same buffers', () => {
    const dropper = new ReportDropper(openAiUsage.isReport!);
    const chunk = Buffer.from(content + content);
    expect(dropper.push(chunk)).toBe(chunk);
  });

  it('drops the usage report and nothing else, however the stream is cut into chunks', () => {
    const whole = content + content + report + done;
    expect(through([whole])).toBe(content + content + done);
    for (let cut = 1; cut < whole.length; cut += 7) expect(through([whole.slice(0, cut), whole.slice(cut)])).toBe(content + content + done);
    expect(through(Array.from({ length: whole.length }, (_v, i) => whole.charAt(i)))).toBe(content + content + done);
  });

  it('understands CRLF event ends and keeps an unfinished last event for the end', () => {
    const crlf = (s: string) => s.replace(/\n/g, '\r\n');
    expect(through([crlf(content + report + done)])).toBe(crlf(content + done));
    expect(through([content, 'data: {"cho'])).toBe(`${content}data: {"cho`);
  });
});
