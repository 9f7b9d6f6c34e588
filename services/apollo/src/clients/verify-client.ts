// Client authentication with id and secret (OAuth token, revoke, introspect).
import { hashSecret, verifySecret } from './secrets.js';
import { liveSecrets, type Client } from './client.js';
import type { ClientDirectory } from './directory.js';

// Hashed once, so an unknown id costs the same scrypt as a known one.
let decoy: Promise<string> | undefined;

/** The client when `secret` is one of its live secrets and it is enabled; else null. */
export async function verifyClient(directory: ClientDirectory, id: string, secret: string): Promise<Client | null> {
  const client = await directory.get(id);
  const secrets = client ? liveSecrets(client, Date.now()) : [];
  if (secrets.length === 0) {
    decoy ??= hashSecret('decoy');
    await verifySecret(secret, await decoy);
    return null;
  }
  let ok = false;
  for (const stored of secrets) if (await verifySecret(secret, stored.hash)) ok = true;
  return ok && !client!.disabled ? client : null;
}
