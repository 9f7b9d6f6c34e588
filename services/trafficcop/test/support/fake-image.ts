// A stand-in for image's internal upload: keeps the bytes it was sent.
import { createLogger, createServiceApp, listen } from '@bamboo/kit';

export interface FakeImage {
  url: string;
  uploads: Array<{ id: string; kind: string | undefined; roomId: string | undefined; contentType: string | undefined; bytes: Buffer }>;
  close(): Promise<void>;
}

export async function startFakeImage(internalKey: string): Promise<FakeImage> {
  const uploads: FakeImage['uploads'] = [];
  const { app } = createServiceApp({ service: 'image', logger: createLogger('fake-image', 'silent'), internalKey });
  app.post('/internal/images', async (c) => {
    const id = `img-${uploads.length + 1}`;
    uploads.push({
      id,
      kind: c.req.query('kind'),
      roomId: c.req.query('roomId'),
      contentType: c.req.header('content-type'),
      bytes: Buffer.from(await c.req.arrayBuffer()),
    });
    return c.json({ id }, 202);
  });
  const server = await listen('image', app.fetch, { port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${server.port}`, uploads, close: () => server.close(1000) };
}
