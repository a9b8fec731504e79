import type { UpstreamCode } from '../../routing/types.js';
import { isUpstreamCode } from '../../shared/upstream-code.js';

/** undici and socket errors → the short codes outcomes and logs use; `upstream_error` for any other. */
export function errorCode(error: Error & { code?: unknown }): UpstreamCode {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connect_refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return 'connection_reset';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timeout_connect';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'timeout_headers';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout_idle';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns_failed';
    default:
      return error.name === 'AbortError' ? 'aborted' : knownCode(error.code);
  }
}

/** A code an error already carries, when it is one of ours (lower-cased). */
function knownCode(code: unknown): UpstreamCode {
  const lower = typeof code === 'string' ? code.toLowerCase() : '';
  return isUpstreamCode(lower) ? lower : 'upstream_error';
}
