// Publish authorisation at the RTMP level. node-media-server accepts a
// publish synchronously and ignores what its hooks return, so the gate starts
// villa's stream-key check in prePublish and, when the answer is no (or does
// not come in time), cuts the publisher's connection. Nothing downstream —
// villa's live flag, relays, thumbnails — happens until the key is accepted.
//
// Publish URL: rtmp://<host>:<RTMP_PORT>/<RTMP_APP>/<roomId>?key=<stream key>
import type { Logger } from '@bamboo/kit';
import type { Counter } from 'prom-client';
import type { StreamKeyVerdict } from '../clients/villa.js';
import type { Origin } from '../origin/origin.js';
import type { NmsSession } from '../origin/nms.js';
import { newSessionId } from './session-id.js';
import type { StreamRegistry } from './stream-registry.js';

export type RefusalReason =
  | 'wrong_app'
  | 'missing_key'
  | 'already_live'
  | 'unknown_key'
  | 'room_closed'
  | 'room_mismatch'
  | 'verify_failed';

export interface PublishGateOptions {
  origin: Origin;
  registry: StreamRegistry;
  verify: (streamKey: string, roomId: string) => Promise<StreamKeyVerdict>;
  app: string;
  graceMs: number;
  logger: Logger;
  refusals: Counter<'reason'>;
  now?: () => number;
}

export function installPublishGate(options: PublishGateOptions): void {
  const { origin, registry, logger } = options;
  const now = options.now ?? Date.now;
  const log = logger.child({ component: 'publish' });

  const refuse = (session: NmsSession, reason: RefusalReason, detail?: string) => {
    options.refusals.inc({ reason });
    log.warn({ room: session.streamName, app: session.streamApp, ip: session.ip, reason, detail }, 'publish refused');
    origin.disconnect(session);
  };

  origin.on('prePublish', (session) => {
    const roomId = session.streamName;
    const broadcast = session.broadcast;
    if (session.streamApp !== options.app) return refuse(session, 'wrong_app');
    // node-media-server refuses a second publisher itself (after this hook);
    // this only records why.
    if (broadcast?.getPublishStatus() === 'publishing') {
      options.refusals.inc({ reason: 'already_live' });
      log.warn({ room: roomId, ip: session.ip, reason: 'already_live' }, 'publish refused');
      return;
    }
    if (broadcast) broadcast.publishGraceMs = options.graceMs;
    const key = session.streamQuery?.key;
    if (typeof key !== 'string' || key === '') return refuse(session, 'missing_key');

    options.verify(key, roomId).then(
      (verdict) => decide(session, verdict),
      (error: unknown) => refuse(session, 'verify_failed', error instanceof Error ? error.message : String(error)),
    );
  });

  const decide = (session: NmsSession, verdict: StreamKeyVerdict) => {
    const roomId = session.streamName;
    if (!verdict.allowed) return refuse(session, (verdict.reason as RefusalReason | undefined) ?? 'unknown_key');
    if (verdict.roomId !== undefined && verdict.roomId !== roomId) return refuse(session, 'room_mismatch');
    if (session.broadcast?.publisher !== session) {
      // node-media-server refused it (another publisher) or another took over.
      log.info({ room: roomId, ip: session.ip }, 'publish ended before its key was accepted');
      return;
    }
    const resumed = registry.resume(roomId, session.id);
    if (resumed) {
      log.info({ room: roomId, sessionId: resumed.sessionId, ip: session.ip }, 'publish resumed');
      return;
    }
    const startedAt = now();
    const stream = registry.start({
      roomId,
      streamPath: session.streamPath,
      sessionId: newSessionId(startedAt),
      startedAt,
      publisherId: session.id,
      ...(verdict.anchorId ? { anchorId: verdict.anchorId } : {}),
    });
    log.info({ room: roomId, sessionId: stream.sessionId, ip: session.ip }, 'publish accepted');
  };

  // donePublish fires once the broadcast's publish is really over: after the
  // grace window, or when a client from another address took the path over.
  origin.on('donePublish', (session) => {
    if (session.streamApp !== options.app) return;
    const stream = registry.end(session.streamName, now());
    if (stream) log.info({ room: stream.roomId, sessionId: stream.sessionId }, 'publish ended');
  });
}
