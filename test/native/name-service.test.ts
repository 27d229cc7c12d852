/**
 * The NameService contract, run against both implementations: the native addon (its own
 * threads) and the JS fallback (dns.lookup on libuv's pool).
 */

import { addonNameService, fallbackNameService } from '../../native/index.ts';
import { defineNameServiceSuite } from './_support/name-service.ts';

defineNameServiceSuite('native: addon', () => addonNameService());
defineNameServiceSuite('native: fallback', () => fallbackNameService());
