// Stream keys: the secret an anchor's encoder publishes with. Only their
// SHA-256 is stored, so the plain key is shown once, when issued or rotated.
import { createHash, randomBytes } from 'node:crypto';

/** `live_<roomId>_<32 random base64url chars>`: the room id is for humans, the random part is the secret. */
export function newStreamKey(roomId: string): string {
  return `live_${roomId}_${randomBytes(24).toString('base64url')}`;
}

export function hashStreamKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
