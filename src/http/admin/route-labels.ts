import { CacheBudget, Memo } from '../../shared/bounded-labels.js';

/**
 * Route labels, `openai /chat/completions`, by protocol and upstream path, each made once; a model
 * named in a path becomes `{model}` to bound the label set. At most MAX_ROUTE_PATHS entries
 * (protocols and paths) are kept, as Gemini paths carry the client's model name; past that a
 * label is made each time.
 */
const MAX_ROUTE_PATHS = 1_000;

export function createRouteLabels(): Memo<string, Memo<string, string>> {
  const budget = new CacheBudget(MAX_ROUTE_PATHS);
  return new Memo(
    budget,
    (protocol: string) => new Memo(budget, (path: string) => `${protocol} ${path.replace(/\/models\/[^/]+?(?=:|\/|$)/, '/models/{model}')}`),
  );
}
