// Names that never collide between parallel test files, processes or runs.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** e.g. `test:hot-state:12345:9f1c2a7b:` — for Redis key prefixes and database names. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** A fresh directory under the OS temp dir; remove it with `rm(dir, { recursive: true, force: true })`. */
export function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `bamboo-${label.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
}
