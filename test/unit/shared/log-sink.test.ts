import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { loggerOptions } from '../../../src/shared/log.js';
import { LOG_BATCH_BYTES, LOG_FLUSH_MS, LogSink, MAX_PENDING_BYTES } from '../../../src/shared/log-sink.js';
import { createScrubber } from '../../../src/shared/secret-scrub.js';

function logFile(): { path: string; fd: number } {
  const path = join(mkdtempSync(join(tmpdir(), 'fusebox-log-')), 'out.log');
  return { path, fd: openSync(path, 'w') };
}

const line = (i: number) => `${JSON.stringify({ n: i, msg: 'request' })}\n`;

describe('log sink', () => {
  it('holds lines until a batch has gathered, then writes them in order in one go', () => {
    const { path, fd } = logFile();
    const sink = new LogSink(fd);
    sink.write(line(0));
    expect(readFileSync(path, 'utf8')).toBe('');
    let i = 1;
    while (readFileSync(path, 'utf8') === '') sink.write(line(i++));
    const written = readFileSync(path, 'utf8');
    expect(written.length).toBeGreaterThanOrEqual(LOG_BATCH_BYTES);
    expect(written).toBe(Array.from({ length: i }, (_, n) => line(n)).join(''));
    sink.write(line(i));
    sink.end();
    expect(
      readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { n: number }).n),
    ).toEqual(Array.from({ length: i + 1 }, (_, n) => n));
    closeSync(fd);
  });

  it('writes a lone line within the flush period, without being asked', async () => {
    const { path, fd } = logFile();
    const sink = new LogSink(fd);
    sink.write(line(7));
    await vi.waitFor(() => expect(readFileSync(path, 'utf8')).not.toBe(''), { timeout: 2_000, interval: 20 });
    expect(readFileSync(path, 'utf8')).toBe(line(7));
    sink.end();
    closeSync(fd);
  });

  it('carries pino lines, scrubbed, to the descriptor', () => {
    const { path, fd } = logFile();
    const sink = new LogSink(fd);
    const logger = pino({ level: 'info', ...loggerOptions(createScrubber(['sk-sink-canary-123456'])) }, sink);
    logger.info({ reqId: 'r1' }, 'request with sk-sink-canary-123456');
    logger.flush();
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { reqId: string; msg: string };
    expect(parsed.reqId).toBe('r1');
    expect(parsed.msg).toBe('request with [redacted]');
    sink.end();
    closeSync(fd);
  });

  it('keeps what a full pipe refuses, drops past its bound with a count, and loses nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusebox-log-'));
    const out = join(dir, 'piped.log');
    // A consumer that reads nothing for a while, then everything: its pipe fills and refuses (EAGAIN).
    const consumer = spawn('sh', ['-c', `sleep 1; cat > '${out}'`], { stdio: ['pipe', 'ignore', 'ignore'] });
    const fd = (consumer.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const sink = new LogSink(fd);
    const big = `${JSON.stringify({ pad: 'x'.repeat(1000) })}\n`;
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < (2 * MAX_PENDING_BYTES) / big.length; i++) {
      if (sink.write(big)) accepted++;
      else refused++;
    }
    expect(refused).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_200));
    sink.end();
    consumer.stdin.end();
    await new Promise((r) => consumer.once('exit', r));
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    expect(lines.filter((l) => l === big.trim())).toHaveLength(accepted);
    const note = JSON.parse(lines.at(-1)!) as { dropped: number; msg: string };
    expect(note.dropped).toBe(refused);
    expect(note.msg).toContain('dropped');
  });

  it('arms a timer only while a line waits: an idle sink never wakes the process', () => {
    vi.useFakeTimers();
    try {
      const { path, fd } = logFile();
      const sink = new LogSink(fd);
      expect(vi.getTimerCount()).toBe(0);
      sink.write(line(1));
      sink.write(line(2));
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(LOG_FLUSH_MS);
      expect(readFileSync(path, 'utf8')).toBe(line(1) + line(2));
      expect(vi.getTimerCount()).toBe(0);
      sink.write(line(3));
      sink.end();
      expect(vi.getTimerCount()).toBe(0);
      expect(readFileSync(path, 'utf8')).toBe(line(1) + line(2) + line(3));
      closeSync(fd);
    } finally {
      vi.useRealTimers();
    }
  });
});
