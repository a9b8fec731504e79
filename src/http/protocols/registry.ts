import type { IncomingHttpHeaders } from 'node:http';
import { ANTHROPIC, anthropicSpec } from './anthropic/index.js';
import { GEMINI, geminiSpec } from './gemini/index.js';
import { OPENAI, openAiSpec } from './openai/index.js';
import type { ClientRoute, ProtocolSpec } from './types.js';

/**
 * The protocols fusebox speaks, by name: adding one is adding its folder and a line here.
 * The config schema takes a backend's `kind` values from PROTOCOL_NAMES, so this module and
 * the specs import nothing from config or routing.
 */
const PROTOCOLS = {
  [OPENAI]: openAiSpec,
  [ANTHROPIC]: anthropicSpec,
  [GEMINI]: geminiSpec,
} as const satisfies Record<string, ProtocolSpec>;

export type ProtocolName = keyof typeof PROTOCOLS;

/** Every protocol name, for the config schema's `kind`. */
export const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as [ProtocolName, ...ProtocolName[]];

/** The protocol of paths no spec owns (admin, unknown URLs) and of backends without a `kind`. */
export const DEFAULT_PROTOCOL = OPENAI satisfies ProtocolName;

const SPECS: readonly ProtocolSpec[] = Object.values(PROTOCOLS);

/** The spec named `name` (a backend's kind, a Job's protocol); throws for an unknown name. */
export function protocolSpec(name: string): ProtocolSpec {
  const spec = (PROTOCOLS as Readonly<Record<string, ProtocolSpec>>)[name];
  if (spec === undefined) throw new Error(`unknown protocol "${name}"`);
  return spec;
}

export function allProtocols(): readonly ProtocolSpec[] {
  return SPECS;
}

/** The spec whose path prefix is the longest one `pathname` lies at or below, or null. */
export function ownerOfPath(pathname: string): ProtocolSpec | null {
  let found: ProtocolSpec | null = null;
  for (const spec of SPECS) {
    const prefix = spec.pathPrefix;
    const under = pathname === prefix || pathname.startsWith(`${prefix}/`);
    if (under && (found === null || prefix.length > found.pathPrefix.length)) found = spec;
  }
  return found;
}

/** Whose error format a client path speaks: its owner's, else the default's. */
export function protocolOfPath(pathname: string): ProtocolSpec {
  return ownerOfPath(pathname) ?? protocolSpec(DEFAULT_PROTOCOL);
}

/** The client route a path names, of whichever protocol owns it. */
export function matchRoute(pathname: string, search: URLSearchParams): ClientRoute | null {
  for (const spec of SPECS) {
    const route = spec.matchRoute(pathname, search);
    if (route !== null) return route;
  }
  return null;
}

/** A GET of a model listing: whose it is, and the one model it asks for (null: the whole listing). */
export interface ListingRequest {
  readonly spec: ProtocolSpec;
  readonly model: string | null;
}

/**
 * The model listing a GET asks for: `<path>` or `<path>/<id>` of a spec's listing (a path one of
 * the specs routes, such as Gemini's `models/{model}:generateContent`, is no listing). A spec
 * whose required header is present wins over one that requires none.
 */
export function listingRequest(pathname: string, headers: IncomingHttpHeaders): ListingRequest | null {
  let plain: ListingRequest | null = null;
  for (const spec of SPECS) {
    const listing = spec.modelListing;
    const model = pathname === listing.path ? null : modelInPath(pathname, listing.path);
    if (model === undefined) continue;
    if (model !== null && matchRoute(pathname, new URLSearchParams()) !== null) return null;
    if (listing.requiredHeader === undefined) plain ??= { spec, model };
    else if (typeof headers[listing.requiredHeader] === 'string') return { spec, model };
  }
  return plain;
}

/** The model id `<path>/<id>` names (percent-decoded), or undefined when the path is not one. */
function modelInPath(pathname: string, path: string): string | undefined {
  if (!pathname.startsWith(`${path}/`) || pathname.length === path.length + 1) return undefined;
  try {
    return decodeURIComponent(pathname.slice(path.length + 1));
  } catch {
    return undefined;
  }
}

/** The protocol an upstream request path speaks (sample answers), else the default. */
export function protocolOfUpstreamPath(path: string): ProtocolSpec {
  return SPECS.find((spec) => spec.name !== DEFAULT_PROTOCOL && spec.samples.speaks(path)) ?? protocolSpec(DEFAULT_PROTOCOL);
}
