import { z } from 'zod';
import { httpUrl, noLineBreaks } from './upstream-schemas.js';

/**
 * A credential that is an OAuth2 refresh token: fusebox exchanges `refreshToken` at `tokenUrl`
 * (`grant_type=refresh_token`) for access tokens and keeps them in memory only
 * (src/http/upstream/oauth-tokens.ts). `clientSecret` and `refreshToken` are secrets like an apiKey.
 */
export const oauthSchema = z
  .object({
    tokenUrl: httpUrl,
    /** Some providers' client ids are all digits (YAML and `${ENV}` make them numbers): taken as text. */
    clientId: z.union([noLineBreaks.min(1, { error: 'must not be empty' }), z.number().transform(String)]),
    clientSecret: noLineBreaks.min(1, { error: 'must not be empty' }).optional(),
    refreshToken: noLineBreaks.min(1, { error: 'must not be empty' }),
    scope: noLineBreaks.min(1, { error: 'must not be empty' }).optional(),
  })
  .strict();

export type OAuthConfig = z.output<typeof oauthSchema>;

interface SecretFields {
  readonly id?: string | undefined;
  readonly apiKey?: string | undefined;
  readonly oauth?: unknown;
}

/** A credential has exactly one secret, `apiKey` or `oauth`; an `oauth` one needs an `id` (nothing else names it). */
export function exactlyOneSecret(credential: SecretFields, ctx: z.RefinementCtx): void {
  const hasKey = credential.apiKey !== undefined;
  const hasOAuth = credential.oauth !== undefined;
  if (hasKey === hasOAuth) {
    ctx.addIssue({ code: 'custom', path: hasKey ? ['oauth'] : ['apiKey'], message: 'expected exactly one of apiKey or oauth' });
  } else if (hasOAuth && credential.id === undefined) {
    ctx.addIssue({ code: 'custom', path: ['id'], message: 'a credential with oauth needs an id' });
  }
}
