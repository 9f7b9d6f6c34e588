// A stand-in for villa implementing the shapes of its internal contract that
// trafficcop calls (signed, like the real one), with rooms held in memory
// and every call recorded for assertions.
import { createLogger, createServiceApp, listen, type RunningServer } from '@bamboo/kit';

export interface FakeRoom {
  roomId: string;
  anchorId: string;
  streamKey: string;
  closed: boolean;
  live: boolean;
  sessionId: string | null;
  startedAt: number | null;
  lastAt: number;
  thumbnailImageId: string | null;
}

export interface LiveCall {
  roomId: string;
  sessionId: string;
  live: boolean;
  at: number;
  applied: boolean;
}

export interface FakeVilla {
  url: string;
  rooms: Map<string, FakeRoom>;
  liveCalls: LiveCall[];
  verifyCalls: Array<{ streamKey: string; roomId?: string }>;
  addRoom(roomId: string, streamKey: string, extra?: Partial<FakeRoom>): FakeRoom;
  close(): Promise<void>;
}

export async function startFakeVilla(internalKey: string): Promise<FakeVilla> {
  const rooms = new Map<string, FakeRoom>();
  const liveCalls: LiveCall[] = [];
  const verifyCalls: FakeVilla['verifyCalls'] = [];
  const { app } = createServiceApp({ service: 'villa', logger: createLogger('fake-villa', 'silent'), internalKey });

  app.post('/internal/stream-keys/verify', async (c) => {
    const body = (await c.req.json()) as { streamKey: string; roomId?: string };
    verifyCalls.push(body);
    const room = [...rooms.values()].find((r) => r.streamKey === body.streamKey);
    if (!room) return c.json({ allowed: false, reason: 'unknown_key' });
    if (room.closed) return c.json({ allowed: false, roomId: room.roomId, reason: 'room_closed' });
    if (body.roomId !== undefined && body.roomId !== room.roomId) {
      return c.json({ allowed: false, roomId: room.roomId, reason: 'room_mismatch' });
    }
    return c.json({ allowed: true, roomId: room.roomId, anchorId: room.anchorId });
  });

  app.post('/internal/rooms/:roomId/live', async (c) => {
    const room = rooms.get(c.req.param('roomId'));
    if (!room) return c.json({ error: { code: 'not_found', message: 'no such room' } }, 404);
    const { sessionId, live, at } = (await c.req.json()) as { sessionId: string; live: boolean; at: number };
    // The contract's ordering: older sessions, and older events of the current session, are ignored.
    const older = room.sessionId !== null && (sessionId < room.sessionId || (sessionId === room.sessionId && at < room.lastAt));
    const applied = !older && !(room.sessionId === sessionId && room.live === live);
    if (applied) {
      room.live = live;
      room.sessionId = sessionId;
      room.startedAt = live ? at : room.startedAt;
      room.lastAt = at;
    }
    liveCalls.push({ roomId: room.roomId, sessionId, live, at, applied });
    return c.json({ roomId: room.roomId, live: room.live, sessionId: room.sessionId, startedAt: room.startedAt, applied });
  });

  app.get('/internal/rooms/live', (c) =>
    c.json({
      rooms: [...rooms.values()]
        .filter((r) => r.live)
        .map((r) => ({ roomId: r.roomId, sessionId: r.sessionId, startedAt: r.startedAt })),
    }),
  );

  app.get('/internal/rooms/:roomId', (c) => {
    const room = rooms.get(c.req.param('roomId'));
    if (!room) return c.json({ error: { code: 'not_found', message: 'no such room' } }, 404);
    return c.json({
      roomId: room.roomId,
      anchorId: room.anchorId,
      categoryId: 'cat-1',
      shortId: 1,
      title: `room ${room.roomId}`,
      live: room.live,
      sessionId: room.sessionId,
      closed: room.closed,
    });
  });

  app.put('/internal/rooms/:roomId/thumbnail', async (c) => {
    const room = rooms.get(c.req.param('roomId'));
    if (!room) return c.json({ error: { code: 'not_found', message: 'no such room' } }, 404);
    room.thumbnailImageId = ((await c.req.json()) as { imageId: string }).imageId;
    return c.json({ roomId: room.roomId, thumbnailImageId: room.thumbnailImageId });
  });

  const server: RunningServer = await listen('villa', app.fetch, { port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${server.port}`,
    rooms,
    liveCalls,
    verifyCalls,
    addRoom(roomId, streamKey, extra = {}) {
      const room: FakeRoom = {
        roomId,
        anchorId: `anchor-${roomId}`,
        streamKey,
        closed: false,
        live: false,
        sessionId: null,
        startedAt: null,
        lastAt: 0,
        thumbnailImageId: null,
        ...extra,
      };
      rooms.set(roomId, room);
      return room;
    },
    close: () => server.close(1000),
  };
}
