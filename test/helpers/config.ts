import { ConfigError } from '../../src/config/load.js';

/** The problems a config parse reports (`ConfigError.problems`), or none when it parses; any other error is rethrown. */
export function configProblems(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
