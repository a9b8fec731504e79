import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Maps a position in tsc's emitted JavaScript back to the TypeScript source, using the
 * `.js.map` beside it (source map v3, base64 VLQ). Enough for profile reports; no names.
 */
type Segment = readonly [genCol: number, source: number, line: number, col: number];

interface LoadedMap {
  readonly sources: readonly string[];
  readonly lines: readonly (readonly Segment[])[];
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = B64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

function parseMappings(mappings: string): Segment[][] {
  const state = [0, 0, 0];
  return mappings.split(';').map((line) => {
    let genCol = 0;
    const segments: Segment[] = [];
    for (const part of line.split(',')) {
      if (!part) continue;
      const v = decodeVlq(part);
      genCol += v[0]!;
      if (v.length < 4) continue;
      state[0]! += v[1]!;
      state[1]! += v[2]!;
      state[2]! += v[3]!;
      segments.push([genCol, state[0]!, state[1]!, state[2]!]);
    }
    return segments;
  });
}

export function createSourceMapper(root: string): (url: string, line0: number, col0: number) => string {
  const cache = new Map<string, LoadedMap | null>();
  const load = (file: string): LoadedMap | null => {
    if (!cache.has(file)) {
      try {
        const raw = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[]; mappings: string };
        cache.set(file, { sources: raw.sources.map((s) => resolve(dirname(file), s)), lines: parseMappings(raw.mappings) });
      } catch {
        cache.set(file, null);
      }
    }
    return cache.get(file)!;
  };
  return (url, line0, col0) => {
    const file = url.startsWith('file://') ? fileURLToPath(url) : url;
    if (!file.startsWith('/')) return url || '(native)';
    const dependency = file.lastIndexOf('/node_modules/');
    if (dependency >= 0) return `${file.slice(dependency + 1)}:${line0 + 1}`;
    const map = load(file);
    const segments = map?.lines[line0];
    const segment = segments?.filter((s) => s[0] <= col0).at(-1) ?? segments?.[0];
    if (!map || !segment) return `${relative(root, file)}:${line0 + 1}`;
    return `${relative(root, map.sources[segment[1]]!)}:${segment[2] + 1}`;
  };
}
