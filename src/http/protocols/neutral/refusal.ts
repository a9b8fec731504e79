/**
 * What a codec cannot map is refused, never dropped: `TranslationRefusal` names the offending
 * field (a JSON path in the client's body) so the caller can answer 400 in the client's own
 * error format. Codecs throw it; `translate.ts` lets it propagate to the caller.
 */
export class TranslationRefusal extends Error {
  readonly code = 'translation_unsupported';
  readonly status = 400;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'TranslationRefusal';
  }
}

export function refuse(field: string, message: string): never {
  throw new TranslationRefusal(field, message);
}

export function isRefusal(error: unknown): error is TranslationRefusal {
  return error instanceof TranslationRefusal;
}
