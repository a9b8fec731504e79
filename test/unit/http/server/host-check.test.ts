import { describe, expect, it } from 'vitest';
import { createHostCheck, hostHeaderCount } from '../../../../src/http/server/host-check.js';
import { isLoopbackHost, listenRefusal } from '../../../../src/http/server/listen-policy.js';

describe('Host allow-list (DNS rebinding)', () => {
  const loopback = createHostCheck({ host: '127.0.0.1', allowedHosts: [] });

  it('accepts localhost, 127.0.0.1 and [::1] on the listening port', () => {
    for (const host of ['localhost:8765', '127.0.0.1:8765', '[::1]:8765', 'LOCALHOST:8765']) {
      expect(loopback(host, 8765)).toBe(true);
    }
  });

  it('refuses foreign names, other ports, missing Host and bare names off port 80', () => {
    for (const host of ['evil.example:8765', 'localhost.evil.example:8765', 'localhost:9999', 'localhost', '127.0.0.2:8765']) {
      expect(loopback(host, 8765)).toBe(false);
    }
    expect(loopback(undefined, 8765)).toBe(false);
    expect(loopback('localhost', 80)).toBe(true);
  });

  it('accepts configured extra Host values exactly', () => {
    const check = createHostCheck({ host: '127.0.0.1', allowedHosts: ['Fusebox.lan:8765'] });
    expect(check('fusebox.lan:8765', 8765)).toBe(true);
    expect(check('fusebox.lan:8766', 8765)).toBe(false);
  });

  it('does not check Host beyond loopback unless allowedHosts is set (client keys are mandatory there)', () => {
    expect(createHostCheck({ host: '0.0.0.0', allowedHosts: [] })('192.168.1.9:8765', 8765)).toBe(true);
    expect(createHostCheck({ host: '0.0.0.0', allowedHosts: ['gw.lan:8765'] })('192.168.1.9:8765', 8765)).toBe(false);
  });

  it('counts Host fields in the raw header list, whatever their case', () => {
    expect(hostHeaderCount(['Host', 'a', 'content-type', 'x'])).toBe(1);
    expect(hostHeaderCount(['Host', 'a', 'HOST', 'a'])).toBe(2);
    expect(hostHeaderCount(['x-host', 'a', 'content-type', 'host'])).toBe(0);
  });
});

describe('listen policy', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.2', 'example.com', '10.0.0.1']) expect(isLoopbackHost(host)).toBe(false);
  });

  it('refuses a non-loopback address without client keys, and allows it with them', () => {
    expect(listenRefusal({ host: '127.0.0.1', apiKeys: [] })).toBeNull();
    expect(listenRefusal({ host: '0.0.0.0', apiKeys: [] })).toMatch(/refusing to listen on 0\.0\.0\.0.*server\.apiKeys/);
    expect(listenRefusal({ host: '0.0.0.0', apiKeys: ['a-long-client-key'] })).toBeNull();
  });
});
