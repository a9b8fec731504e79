import type { JsonMember } from '../../shared/json-member.js';
import type { FuseboxError } from '../../shared/errors.js';

/**
 * What fusebox knows about one client-facing API, in one object: a `ProtocolSpec` per folder
 * (src/http/protocols/<name>/index.ts), listed once in registry.ts. Code outside
 * src/http/protocols reaches a protocol only through its spec, looked up by name (a backend's
 * `kind`, a Job's `protocol`) or by path; it never branches on a name.
 *
 * This file imports no config and no routing module: the config schema takes the protocol
 * names from the registry, so nothing here may depend on it (no import cycle).
 */
export type HeaderMap = Record<string, string>;

/** One client endpoint and how it travels upstream. */
export interface ClientRoute {
  /** The spec's name: backends of this `kind` serve the route as is; others only through translation. */
  readonly protocol: string;
  /** Path appended to the backend's BaseURL (which ends with its version prefix). */
  readonly upstreamPath: string;
  /** `body`: streams when the body says `"stream": true`; `always`/`never`: decided by the path. */
  readonly streams: 'body' | 'always' | 'never';
  /** The model named by the path; otherwise it is read from the body's `model` (a form field when `form`). */
  readonly model?: string;
  /** The body is `multipart/form-data` (an upload), sent upstream as the client framed it; otherwise JSON. */
  readonly form?: true;
  /** What a 2xx answer must be to count as one: a JSON object (the default), or `any` bytes (audio, text). */
  readonly expects?: 'json' | 'any';
}

/** One model of a client listing: its name as clients ask for it, and the backend it came from. */
export interface ListedModel {
  readonly id: string;
  readonly ownedBy: string;
}

/** One page of an upstream's own model listing: its model ids and the next page's token, if any. */
export interface UpstreamModelPage {
  readonly ids: readonly string[];
  readonly next: string | null;
}

/** How this protocol's upstreams list their models (`GET {baseUrl}/models`, paged as the API pages it). */
export interface UpstreamModelListing {
  /** The path below the BaseURL of the page after `pageToken`; the first page when it is null. */
  pagePath(pageToken: string | null): string;
  /** The page a listing body holds; null when the body is no listing of this protocol. */
  parsePage(body: unknown): UpstreamModelPage | null;
}

/**
 * `GET <path>` answers with the models of this protocol's backends (and of those its chat
 * endpoint reaches, translated); `GET <path>/<id>` with one of them. Several protocols may
 * share a path: the one whose `requiredHeader` the request carries wins, else the one that
 * requires none.
 */
export interface ModelListing {
  readonly path: string;
  readonly requiredHeader?: string;
  /** The listing body for these models, in order. */
  build(models: readonly ListedModel[]): unknown;
  /** The body of `GET <path>/<id>` for one model. */
  one(model: ListedModel): unknown;
  readonly upstream: UpstreamModelListing;
}

/** The credential's header (lower-case) and the text written before the secret. */
export interface UpstreamAuth {
  readonly header: string;
  readonly prefix: string;
}

/** The backend settings protocol headers may read; a BackendConfig satisfies it. */
export interface BackendSettings {
  readonly anthropicVersion: string;
}

/** Collects a stream of this protocol into the one JSON body the unstreamed request gets. */
export interface StreamCollector {
  /** Feeds raw stream bytes; throws an UpstreamBodyError on an error event or malformed data. */
  push(chunk: Buffer): void;
  /** The collected JSON body, once the stream has ended; throws an UpstreamBodyError. */
  result(): Buffer;
}

/** How a `streamOnly` backend's unstreamed requests are streamed upstream and collected. */
export interface StreamCollection {
  /** Upstream paths whose answers can be collected. */
  readonly upstreamPaths: ReadonlySet<string>;
  /** The client's body rewritten to ask for a stream (as is when it cannot be rewritten). */
  streamingBody(body: Buffer): Buffer;
  collector(): StreamCollector;
}

/** An answer as this protocol's upstream sends it, as SSE frames and the terminal frame. */
export interface SampleStream {
  readonly contentType: string;
  readonly frames: readonly string[];
  /** Written last; null when the protocol has no terminal event. */
  readonly terminal: string | null;
}

/**
 * Well-formed upstream answers of this protocol (the demo's mock upstream; later active
 * health probes and translation tests).
 */
export interface SampleAnswers {
  /** Whether an upstream request path (BaseURL path included) is one of this protocol's. */
  speaks(upstreamPath: string): boolean;
  /** The model an upstream path names, when the protocol puts it in the path. */
  modelInPath?(upstreamPath: string): string | null;
  whole(model: string, text: string): unknown;
  /** `pieces` text deltas; `usage`: the client asked for a final usage report. */
  stream(model: string, pieces: readonly string[], usage: boolean): SampleStream;
}

/**
 * How a stream of this protocol is recognised as finished, judged once on its last bytes after
 * the body ended cleanly (never per chunk). A stream that carries its terminal event
 * (`terminalMarker`) is complete; one that reports a finish reason without it is complete too,
 * and the client gets `terminalEvent` appended; any other clean end is `stream_truncated`.
 */
export interface StreamEnding {
  /** Whether `tail`, the stream's last events as latin1 text (about 2 KB), report a finish reason. */
  finishSeen(tail: string): boolean;
  /** The terminal event as SSE bytes (`data: [DONE]` and its blank line); null when the protocol has none. */
  readonly terminalEvent: string | null;
  /**
   * Names of SSE events that end a stream of named events complete as it is (`response.completed`):
   * a stream whose last named event is one of them gets nothing appended.
   */
  readonly endingEvents?: ReadonlySet<string>;
}

/** This protocol's chat endpoint: the one route a request may be translated from or to (docs/translation.md). */
export interface ChatEndpoint {
  /** Whether a client route is this protocol's chat endpoint. */
  serves(route: ClientRoute): boolean;
  /** The path (below the BaseURL) of a chat request to a backend of this protocol. */
  upstreamPath(model: string, stream: boolean): string;
}

/** Tokens an answer reports (OpenAI's semantics: input counts cached tokens, output counts reasoning). */
export interface TokenCount {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * How this protocol's answers report token usage, read once per answer and never per chunk:
 * from a whole JSON body, or from a stream's first event and its kept tail (`FINISH_WINDOW`
 * bytes at least). Null when the answer reports none.
 */
export interface UsageReading {
  /** `members`: the body's top-level members when the caller has scanned them already. */
  fromBody(body: Buffer, members?: readonly JsonMember[] | null): TokenCount | null;
  /** `head`: the stream's bytes up to its first data event; `tail`: its last bytes. */
  fromStream(head: Buffer, tail: Buffer): TokenCount | null;
  /**
   * For a protocol whose streams report usage only on request: the streamed request's body
   * asking for the report, or null when the client asked already (or the path cannot report).
   */
  askForReport?(upstreamPath: string, body: Buffer): Buffer | null;
  /** Whether complete SSE events hold the report `askForReport` asked for (dropped from the client's stream). */
  readonly isReport?: (events: Buffer) => boolean;
}

export interface ProtocolSpec {
  /** The registry key, a backend's `kind` and a Job's `protocol`. */
  readonly name: string;
  /**
   * Client paths at or below this prefix speak this protocol (its error format; client keys
   * are required there). The longest matching prefix wins; other paths speak the default's.
   */
  readonly pathPrefix: string;
  /** The client route a POST path names, or null. Routes of different specs never overlap. */
  matchRoute(pathname: string, search: URLSearchParams): ClientRoute | null;
  readonly modelListing: ModelListing;
  /** Every client endpoint (`POST /v1/messages`), named by the 404 of an unknown path below `pathPrefix`. */
  readonly paths: readonly string[];
  /** Client headers (lower-case) that may travel upstream; credentials are never among them. */
  readonly requestHeaders: ReadonlySet<string>;
  /** Where this protocol's upstreams take the credential, unless a backend's `auth` says otherwise. */
  readonly auth: UpstreamAuth;
  /** Headers the protocol itself needs upstream (not credentials), given the client's forwardable headers. */
  ownHeaders(client: Readonly<HeaderMap>, backend: BackendSettings): HeaderMap;
  /** A FuseboxError as this protocol's whole error body (JSON). */
  errorBody(error: FuseboxError): Buffer;
  /** The same error as one SSE event, for a stream that has already started. */
  inBandError(error: FuseboxError): Buffer;
  /** The data of the event a complete stream ends with (`[DONE]`); null when there is none. */
  readonly terminalMarker: string | null;
  readonly streamEnding: StreamEnding;
  /** Null when this protocol's streams cannot be collected (streamOnly does not apply). */
  readonly collect: StreamCollection | null;
  readonly samples: SampleAnswers;
  readonly chat: ChatEndpoint;
  readonly usage: UsageReading;
}
