// The blob store port: originals and processed variants, by key.
//
// Guarantees every adapter gives:
// - `put` is atomic: a reader sees no blob or the whole blob, never a part,
//   and a put resolves only once the blob is durable;
// - keys are write-once in practice (originals by content hash, results by
//   task and lease), so a put over an existing key replaces it whole;
// - `deletePrefix` removes every blob under `prefix/`; deleting what is
//   absent is not an error;
// - an unreachable backend throws ServiceUnavailableError (503).
// Keys are lowercase paths: [a-z0-9] segments with `._-`, joined by `/`.

export interface BlobStore {
  readonly kind: 'fs' | 'gridfs';
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The blob, or null when there is none. */
  get(key: string): Promise<Buffer | null>;
  deletePrefix(prefix: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const KEY = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

/** Throws on a key that could escape its store (`..`, absolute, odd characters). */
export function checkKey(key: string): string {
  if (!KEY.test(key) || key.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new Error(`invalid blob key ${JSON.stringify(key)}`);
  }
  return key;
}
