// Keeps limits on when Redis does not answer: the shared store is tried
// first; on failure (or while its connection is known down) a per-node
// memory store decides, and the gateway reports itself degraded. Failing
// open would drop every limit; failing closed would refuse every request.
import type { Redis } from 'ioredis';
import { ServiceUnavailableError } from '@bamboo/kit';
import type { AdmissionRequest, AdmissionResult, AdmissionStore } from '../stores/admission.js';

export class FallbackAdmission implements AdmissionStore {
  private degradedUntil = 0;

  constructor(
    private readonly sharedStore: AdmissionStore,
    private readonly local: AdmissionStore,
    /** The shared store's connection, to skip it at once while it is down. */
    private readonly redis: Redis | undefined,
    /** After a failure, how long the local store decides before Redis is tried again. */
    private readonly retryAfterMs: number,
  ) {}

  /** Whether limits are shared across nodes at all (Redis configured). */
  get shared(): boolean {
    return this.redis !== undefined;
  }

  get degraded(): boolean {
    return Date.now() < this.degradedUntil || (this.redis !== undefined && this.redis.status !== 'ready');
  }

  async admit(request: AdmissionRequest): Promise<AdmissionResult> {
    if (this.degraded) return this.admitLocally(request);
    try {
      return await this.sharedStore.admit(request);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableError)) throw error;
      this.degradedUntil = Date.now() + this.retryAfterMs;
      return this.admitLocally(request);
    }
  }

  /** A request whose credential is live only in Redis (liveKey) cannot pass on this node's word: 503. */
  private admitLocally(request: AdmissionRequest): Promise<AdmissionResult> {
    if (request.liveKey) throw new ServiceUnavailableError('access tokens are unavailable: Redis does not answer', 'tokens_unavailable');
    return this.local.admit(request);
  }
}
