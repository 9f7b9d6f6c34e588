// The request id travels with the async call chain, so a downstream call made
// anywhere while handling a request carries the same `x-request-id`.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

interface RequestContext {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

// On Node 20 a running AsyncLocalStorage hooks every promise of the process,
// a cost a service that never calls another pays for nothing. The service
// app only opens a context per request once a service client exists.
let contextWanted = false;

/** Called by createServiceClient: from now on each request runs in its context. */
export function enableRequestContext(): void {
  contextWanted = true;
}

export function requestContextEnabled(): boolean {
  return contextWanted;
}

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

const ACCEPTABLE_ID = /^[\w.:-]{1,128}$/;

/** Keeps a caller's id when it is a sane token, else makes a new one. */
export function acceptOrCreateRequestId(incoming: string | undefined | null): string {
  return incoming && ACCEPTABLE_ID.test(incoming) ? incoming : randomUUID();
}
