// Unicast: a message to one user wherever they are connected. Stored first
// (the inbox keeps it until acked), then pushed to every gateway, so a user
// who is offline, or connecting at that moment, gets it from the inbox on
// connect. A non-persistent message (typing indicators, effects) is pushed
// only: whoever is online gets it, nobody else ever will.
import type { GatewayControl } from '../stores/gateway-control.js';
import type { Inbox, UnicastMessage } from '../stores/inbox.js';
import type { MessageType, Priority } from '../stores/room-bus.js';
import { defaultPriority } from './send.js';

export interface UnicastDeps {
  inbox: Inbox;
  control: GatewayControl;
  defaultTtlMs: number;
  /** Counts messages pushed out of a full inbox. */
  onInboxFull?: (dropped: number) => void;
}

export interface Unicast {
  toUid: string;
  type: MessageType;
  priority?: Priority | undefined;
  body: Record<string, unknown>;
  ttlMs?: number | undefined;
  /** Default true; false: push to whoever is online now, never store. */
  persist?: boolean | undefined;
  from?: string | undefined;
}

export async function sendUnicast(deps: UnicastDeps, send: Unicast): Promise<UnicastMessage> {
  const now = Date.now();
  const draft = {
    type: send.type,
    priority: send.priority ?? defaultPriority(send.type),
    body: send.body,
    ...(send.from === undefined ? {} : { from: send.from }),
    expiresAt: now + (send.ttlMs ?? deps.defaultTtlMs),
  };
  let message: UnicastMessage;
  let json: string;
  if (send.persist === false) {
    message = { uid: send.toUid, ts: now, ...draft };
    json = JSON.stringify(message);
  } else {
    const stored = await deps.inbox.put(send.toUid, draft);
    if (stored.dropped > 0) deps.onInboxFull?.(stored.dropped);
    ({ message, json } = stored);
  }
  // Stored already: a failed push only delays the message to the next connect.
  await deps.control.publish({ kind: 'unicast', uid: send.toUid, json }).catch((error) => {
    if (send.persist === false) throw error;
  });
  return message;
}
