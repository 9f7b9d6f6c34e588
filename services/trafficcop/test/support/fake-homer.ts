// A stand-in for homer's room broadcast (signed, like the real one) that
// records each notice once per idempotency key. The real homer is used in
// switch-notice.e2e.test.ts.
import { createLogger, createServiceApp, listen, type RunningServer } from '@bamboo/kit';

export interface Notice {
  roomId: string;
  type: string;
  priority: string;
  body: Record<string, unknown>;
  idempotencyKey: string;
}

export interface FakeHomer {
  url: string;
  notices: Notice[];
  close(): Promise<void>;
}

export async function startFakeHomer(internalKey: string): Promise<FakeHomer> {
  const notices: Notice[] = [];
  const { app } = createServiceApp({ service: 'homer', logger: createLogger('fake-homer', 'silent'), internalKey });
  app.post('/internal/broadcast/room', async (c) => {
    const notice = (await c.req.json()) as Notice;
    let seq = notices.findIndex((n) => n.idempotencyKey === notice.idempotencyKey) + 1;
    if (seq === 0) seq = notices.push(notice);
    return c.json({ seq }, 202);
  });
  const server: RunningServer = await listen('homer', app.fetch, { port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${server.port}`, notices, close: () => server.close(1000) };
}
