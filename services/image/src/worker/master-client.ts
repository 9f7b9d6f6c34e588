// A worker's calls to the master, all signed with the internal key: JSON
// calls through the kit's service client (timeouts, retries), raw image
// bytes through a small signed fetch of the same scheme.
import { AppError, ServiceUnavailableError, createServiceClient, signatureHeaders, z } from '@bamboo/kit';
import type { OutputFormat, VariantName } from '../images/variants.js';
import { WorkItemSchema, type ReportedVariant, type WorkItem } from '../master/work-item.js';

export type { ReportedVariant, WorkItem };

export interface MasterClient {
  /** Waits up to `waitMs` at the master for a task (long poll). */
  claim(worker: string, waitMs?: number): Promise<WorkItem | null>;
  original(item: WorkItem): Promise<Uint8Array>;
  putResult(item: WorkItem, variant: VariantName, format: OutputFormat, bytes: Uint8Array): Promise<void>;
  complete(item: WorkItem, variants: ReportedVariant[], timings: Record<string, number>): Promise<boolean>;
  fail(item: WorkItem, error: { code: string; message: string; permanent: boolean }): Promise<boolean>;
}

export function createMasterClient(options: { baseUrl: string; internalKey: string; timeoutMs?: number }): MasterClient {
  const caller = 'image-worker';
  const timeoutMs = options.timeoutMs ?? 30_000;
  const json = createServiceClient({ target: 'image master', baseUrl: options.baseUrl, caller, internalKey: options.internalKey, timeoutMs });

  async function raw(method: 'GET' | 'PUT', pathWithQuery: string, body?: Uint8Array): Promise<Response> {
    const headers = {
      ...signatureHeaders(options.internalKey, { method, pathWithQuery, body, caller, timestampMs: Date.now() }),
      ...(body ? { 'content-type': 'application/octet-stream' } : {}),
    };
    let response: Response;
    try {
      response = await fetch(new URL(pathWithQuery, options.baseUrl), { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new ServiceUnavailableError(`image master is unreachable: ${(error as Error).message}`);
    }
    if (!response.ok) {
      const text = await response.text();
      let code = `upstream_${response.status}`;
      let message = text.slice(0, 200);
      try {
        const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
        code = parsed.error?.code ?? code;
        message = parsed.error?.message ?? message;
      } catch {
        // not JSON: keep the text
      }
      throw new AppError(response.status, code, message);
    }
    return response;
  }

  const lease = (item: WorkItem) => `lease=${encodeURIComponent(item.leaseId)}`;

  return {
    async claim(worker, waitMs = 0) {
      const answer = await json.call('POST', '/internal/work/claim', {
        body: { worker, waitMs },
        timeoutMs: timeoutMs + waitMs,
        schema: z.object({ task: WorkItemSchema.nullable() }),
      });
      return answer.task;
    },
    async original(item) {
      const response = await raw('GET', `/internal/work/${item.id}/original?${lease(item)}`);
      return new Uint8Array(await response.arrayBuffer());
    },
    async putResult(item, variant, format, bytes) {
      await raw('PUT', `/internal/work/${item.id}/results/${variant}/${format}?${lease(item)}`, bytes);
    },
    async complete(item, variants, timings) {
      const answer = await json.call('POST', `/internal/work/${item.id}/complete`, {
        body: { leaseId: item.leaseId, variants, timings },
        schema: z.object({ applied: z.boolean() }),
      });
      return answer.applied;
    },
    async fail(item, error) {
      const answer = await json.call('POST', `/internal/work/${item.id}/fail`, {
        body: { leaseId: item.leaseId, ...error },
        schema: z.object({ applied: z.boolean() }),
      });
      return answer.applied;
    },
  };
}
