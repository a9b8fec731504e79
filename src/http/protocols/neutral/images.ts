import type { ImageSource } from './types.js';
import { refuse } from './refusal.js';

/** Images: data URIs ⇄ base64 sources. fusebox never fetches a URL to turn it into bytes. */
const DATA_URI = /^data:([^;,]+);base64,(.*)$/s;

export function imageFromUrl(url: string): ImageSource {
  const match = DATA_URI.exec(url);
  if (match) return { kind: 'base64', mediaType: match[1] ?? '', data: match[2] ?? '' };
  return { kind: 'url', url };
}

export function imageToUrl(source: ImageSource): string {
  return source.kind === 'url' ? source.url : `data:${source.mediaType};base64,${source.data}`;
}

/** For targets that need the bytes inline (Gemini): a URL image is refused. */
export function requireBase64(source: ImageSource, field: string): { mediaType: string; data: string } {
  if (source.kind === 'url')
    refuse(field, 'an image URL cannot be sent to this backend (it needs inline bytes; fusebox does not fetch URLs): send a data: URI');
  return source;
}
