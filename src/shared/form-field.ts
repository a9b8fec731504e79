/**
 * One text field of a `multipart/form-data` body (RFC 7578), read without decoding the rest:
 * parts are found by their delimiter with `Buffer.indexOf`, so a large upload (audio) costs a
 * scan of bytes already held within `maxBodyBytes`, never a copy or a string of the whole body.
 */

/** RFC 2046: 1 to 70 characters. */
const BOUNDARY = /;\s*boundary=(?:"([^"]{1,70})"|([^;\s"]{1,70}))\s*(?:;|$)/i;
const CRLF_CRLF = Buffer.from('\r\n\r\n');
const DISPOSITION = /^content-disposition:\s*form-data\s*;(.*)$/im;

/** The boundary of a `multipart/form-data` content type, or null when it is none. */
export function formBoundary(contentType: string | undefined): string | null {
  if (contentType === undefined || !/^multipart\/form-data\s*;/i.test(contentType)) return null;
  const match = BOUNDARY.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

/** The value of the field `name` (a part without a filename), as UTF-8; null when the body has none. */
export function formField(body: Buffer, boundary: string, name: string): string | null {
  const range = fieldRange(body, boundary, name);
  return range === null ? null : body.toString('utf8', range.start, range.end);
}

/** The body with the value of the field `name` replaced by `value` (every other byte kept); null when it has no such field. */
export function withFormField(body: Buffer, boundary: string, name: string, value: string): Buffer | null {
  const range = fieldRange(body, boundary, name);
  if (range === null) return null;
  return Buffer.concat([body.subarray(0, range.start), Buffer.from(value, 'utf8'), body.subarray(range.end)]);
}

/** Byte offsets `[start, end)` of the value of the field `name`, or null. */
function fieldRange(body: Buffer, boundary: string, name: string): { start: number; end: number } | null {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const next = Buffer.from(`\r\n--${boundary}`, 'latin1');
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    const afterDelimiter = at + delimiter.length;
    // `--boundary--` closes the body.
    if (body[afterDelimiter] === 0x2d && body[afterDelimiter + 1] === 0x2d) return null;
    const headersEnd = body.indexOf(CRLF_CRLF, afterDelimiter);
    if (headersEnd === -1) return null;
    const start = headersEnd + CRLF_CRLF.length;
    const end = body.indexOf(next, start);
    if (end === -1) return null;
    if (partName(body.toString('latin1', afterDelimiter, headersEnd)) === name) return { start, end };
    at = end + 2;
  }
  return null;
}

/** The `name` of a field part from its header block; null for a file part or none. */
function partName(headers: string): string | null {
  const parameters = DISPOSITION.exec(headers)?.[1];
  if (parameters === undefined || /(^|;)\s*filename\*?=/i.test(parameters)) return null;
  return /(?:^|;)\s*name="([^"]*)"/i.exec(parameters)?.[1] ?? null;
}
