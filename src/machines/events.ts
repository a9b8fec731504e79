/** The actors' events (defined in types.ts, with the machines' other shared types). */
export type { BreakerEvent, BreakerEventType, CallSuccess, EventOf, QuotaReading } from './types.js';
