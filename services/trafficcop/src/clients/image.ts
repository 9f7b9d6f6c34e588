// image's internal upload: raw bytes in, an image id out (processing is async).
// The kit's service client sends JSON only, so this call signs raw bytes itself.
import { BadGatewayError, GatewayTimeoutError, ServiceUnavailableError, signatureHeaders, z } from '@bamboo/kit';

const Accepted = z.object({ id: z.string().min(1) });

export interface ImageClient {
  /** Uploads a JPEG as `roomId`'s live thumbnail; resolves to the image id. */
  uploadThumbnail(roomId: string, jpeg: Uint8Array): Promise<string>;
}

export function createImageClient(options: { baseUrl: string; internalKey: string; timeoutMs: number }): ImageClient {
  return {
    async uploadThumbnail(roomId, jpeg) {
      const pathWithQuery = `/internal/images?${new URLSearchParams({ kind: 'thumbnail', roomId })}`;
      const headers = {
        'content-type': 'image/jpeg',
        accept: 'application/json',
        ...signatureHeaders(options.internalKey, {
          method: 'POST',
          pathWithQuery,
          body: jpeg,
          caller: 'trafficcop',
          timestampMs: Date.now(),
        }),
      };
      let response: Response;
      try {
        response = await fetch(new URL(pathWithQuery, options.baseUrl), {
          method: 'POST',
          headers,
          body: jpeg,
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        if (error instanceof Error && error.name === 'TimeoutError') {
          throw new GatewayTimeoutError(`image did not answer within ${options.timeoutMs} ms`);
        }
        throw new ServiceUnavailableError('image is unreachable', 'upstream_unavailable');
      }
      const text = await response.text();
      if (!response.ok) throw new BadGatewayError(`image answered ${response.status}: ${text.slice(0, 200)}`);
      let parsed: z.infer<typeof Accepted>;
      try {
        parsed = Accepted.parse(JSON.parse(text));
      } catch {
        throw new BadGatewayError('image answered a body that does not match its contract');
      }
      return parsed.id;
    },
  };
}
