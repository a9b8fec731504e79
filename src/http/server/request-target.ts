/**
 * A request's path and query, as the front door reads them. Contract: `pathname` and
 * `searchParams` equal what `new URL(target, 'http://fusebox.local')` gives for every target.
 * A target of plain path characters (no percent-escape, no dot segment, no `//` start, nothing
 * the URL parser would rewrite) is split by hand, its query parsed only when asked for; any
 * other goes through the URL parser. The URL parser costs a few µs per request
 * (docs/performance.md), and almost every target is plain.
 */
export type RequestTarget = Pick<URL, 'pathname' | 'searchParams'>;

const URL_BASE = 'http://fusebox.local';

/** Characters the URL parser leaves as they are in a path; `%` and `\` are not among them. */
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
/** What the URL parser would resolve or read as an authority: dot segments, a leading `//`. */
const REWRITTEN = /\/\.\.?(?:\/|$)|^\/\//;
/** Characters the URL parser leaves as they are in a query (`'` it escapes). */
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;

export function requestTarget(target: string): RequestTarget {
  const mark = target.indexOf('?');
  const path = mark === -1 ? target : target.slice(0, mark);
  const query = mark === -1 ? '' : target.slice(mark + 1);
  if (!PLAIN_PATH.test(path) || REWRITTEN.test(path) || !PLAIN_QUERY.test(query)) return new URL(target, URL_BASE);
  return new PlainTarget(path, query);
}

/** The whole URL, for the routes that want one (the operator's). */
export function fullUrl(target: string): URL {
  return new URL(target, URL_BASE);
}

class PlainTarget implements RequestTarget {
  #params: URLSearchParams | null = null;
  constructor(
    readonly pathname: string,
    private readonly query: string,
  ) {}

  get searchParams(): URLSearchParams {
    return (this.#params ??= new URLSearchParams(this.query));
  }
}
