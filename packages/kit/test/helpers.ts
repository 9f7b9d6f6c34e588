import { createLogger } from '../src/logger.js';
import { createServiceApp } from '../src/app.js';

export const KEY = 'test-internal-key-0123456789';

export function testApp(readiness?: Record<string, () => Promise<void>>) {
  return createServiceApp({
    readinessTimeoutMs: 200,
    service: 'testsvc',
    logger: createLogger('testsvc', 'silent'),
    internalKey: KEY,
    maxSkewMs: 30_000,
    ...(readiness ? { readiness } : {}),
  });
}

/** Response bodies in tests are read loosely; assertions check their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (res: Response): Promise<any> => res.json();
