/**
 * The protocols layer: one ProtocolSpec per folder (types.ts), the registry that finds a spec
 * by name or by path (registry.ts), and the generic code that turns a client route into a Job
 * (client-routes.ts).
 */
export * from './types.js';
export * from './registry.js';
export * from './client-routes.js';
