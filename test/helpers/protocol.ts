import { resolve } from 'node:path';

/**
 * The reference corpus of real SDK traffic and Sentry's sample events, kept
 * beside the checkout (`../shared/protocol`); FERRET_PROTOCOL_DIR overrides it.
 */
export const PROTOCOL_DIR = process.env['FERRET_PROTOCOL_DIR'] ?? resolve(import.meta.dirname, '..', '..', '..', 'shared', 'protocol');
