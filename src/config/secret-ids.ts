import { configSecrets } from '../shared/secret-scrub.js';
import { clientKeyIdAt } from './client-keys-schema.js';
import type { FuseboxConfig } from './schema.js';

/**
 * Ids are written to logs, metrics and events as they are (the request log line is not
 * scrubbed: src/app/request-line.ts), so no id may be a secret of the same config. Returns one
 * problem per id that is: a backend's, a credential's or a client key's.
 */
export function secretIdProblems(config: FuseboxConfig): string[] {
  const secrets = new Set(configSecrets(config));
  const problems: string[] = [];
  const check = (where: string, id: string | undefined) => {
    if (id !== undefined && secrets.has(id)) problems.push(`${where}: an id must not be one of the config's secrets (ids are logged as they are)`);
  };
  config.backends.forEach((backend, index) => {
    check(`backends[${index}].id`, backend.id);
    backend.credentials.forEach((credential, ci) => check(`backends[${index}].credentials[${ci}].id`, credential.id));
  });
  config.server.apiKeys.forEach((entry, index) => check(`server.apiKeys[${index}].id`, clientKeyIdAt(entry, index)));
  return problems;
}
