// The caller's IP address as the socket sees it (apollo is the edge: no
// X-Forwarded-For is trusted), for per-address limits of anonymous callers.
import type { Context } from 'hono';

export function remoteAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
