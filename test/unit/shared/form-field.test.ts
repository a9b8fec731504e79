import { describe, expect, it } from 'vitest';
import { formBoundary, formField, withFormField } from '../../../src/shared/form-field.js';

const CRLF = '\r\n';
function form(boundary: string, parts: readonly { headers: string; content: string }[]): Buffer {
  const body = parts.map((part) => `--${boundary}${CRLF}${part.headers}${CRLF}${CRLF}${part.content}${CRLF}`).join('');
  return Buffer.from(`preamble${CRLF}${body}--${boundary}--${CRLF}`, 'latin1');
}

describe('formBoundary', () => {
  it('reads the boundary of a multipart/form-data type, quoted or not', () => {
    expect(formBoundary('multipart/form-data; boundary=----formdata-1')).toBe('----formdata-1');
    expect(formBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b"')).toBe('a b');
  });

  it('is null for other types and a missing boundary', () => {
    expect(formBoundary(undefined)).toBeNull();
    expect(formBoundary('application/json')).toBeNull();
    expect(formBoundary('multipart/mixed; boundary=x')).toBeNull();
    expect(formBoundary('multipart/form-data')).toBeNull();
    expect(formBoundary(`multipart/form-data; boundary=${'x'.repeat(71)}`)).toBeNull();
  });
});

describe('formField', () => {
  const file = {
    headers: 'Content-Disposition: form-data; name="model"; filename="model"\r\nContent-Type: audio/wav',
    content: '\u00ff\r\n--not-it\r\n',
  };
  const model = { headers: 'content-disposition: form-data; name="model"', content: 'whisper-1' };

  it('finds a text field after a file part, skipping file parts even when they share its name', () => {
    expect(formField(form('b0', [file, model]), 'b0', 'model')).toBe('whisper-1');
    expect(formField(form('b0', [file]), 'b0', 'model')).toBeNull();
  });

  it('reads the value as UTF-8 and an empty value as empty', () => {
    const utf8 = Buffer.concat([
      Buffer.from(`--b${CRLF}Content-Disposition: form-data; name="prompt"${CRLF}${CRLF}`),
      Buffer.from('héllo'),
      Buffer.from(`${CRLF}--b--`),
    ]);
    expect(formField(utf8, 'b', 'prompt')).toBe('héllo');
    expect(formField(form('b', [{ headers: 'Content-Disposition: form-data; name="model"', content: '' }]), 'b', 'model')).toBe('');
  });

  it('is null for a body cut short or without the boundary', () => {
    const whole = form('b0', [model]);
    expect(formField(whole.subarray(0, whole.indexOf('whisper')), 'b0', 'model')).toBeNull();
    expect(formField(whole, 'other', 'model')).toBeNull();
    expect(formField(Buffer.from('{"model":"x"}'), 'b0', 'model')).toBeNull();
  });
});

describe('withFormField', () => {
  const file = { headers: 'Content-Disposition: form-data; name="file"; filename="a.wav"', content: '\u00ff\u0000audio' };
  const model = { headers: 'Content-Disposition: form-data; name="model"', content: 'whisper-1' };

  it('replaces a field’s value and keeps every other byte', () => {
    const body = form('b0', [file, model]);
    const rewritten = withFormField(body, 'b0', 'model', 'gpt-4o-transcribe')!;
    expect(formField(rewritten, 'b0', 'model')).toBe('gpt-4o-transcribe');
    expect(rewritten.toString('latin1')).toBe(body.toString('latin1').replace('whisper-1', 'gpt-4o-transcribe'));
  });

  it('is null when the body has no such field', () => {
    expect(withFormField(form('b0', [file]), 'b0', 'model', 'x')).toBeNull();
  });
});
