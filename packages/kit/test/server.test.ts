import { describe, expect, it } from 'vitest';
import { listen, PortInUseError } from '../src/server.js';
import { testApp } from './helpers.js';

describe('listen and graceful close', () => {
  it('finishes an in-flight request, then refuses new connections', async () => {
    const { app } = testApp();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    app.get('/slow', async (c) => {
      await gate;
      return c.json({ done: true });
    });
    const running = await listen('testsvc', app.fetch, { port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${running.port}`;

    const inFlight = fetch(`${base}/slow`);
    await new Promise((r) => setTimeout(r, 100)); // the request is now being handled
    const closed = running.close(5_000);
    setTimeout(release, 200);

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closed;
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });

  it('drops requests still running when the timeout passes', async () => {
    const { app } = testApp();
    app.get('/forever', () => new Promise<Response>(() => {}));
    const running = await listen('testsvc', app.fetch, { port: 0, host: '127.0.0.1' });
    const stuck = fetch(`http://127.0.0.1:${running.port}/forever`).catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await running.close(300);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await stuck).toBeInstanceOf(Error);
  });

  it('names the service and port when the port is taken', async () => {
    const { app } = testApp();
    const first = await listen('testsvc', app.fetch, { port: 0, host: '127.0.0.1' });
    await expect(listen('villa', app.fetch, { port: first.port, host: '127.0.0.1' })).rejects.toThrow(PortInUseError);
    await expect(listen('villa', app.fetch, { port: first.port, host: '127.0.0.1' })).rejects.toThrow(
      `villa: port ${first.port} is already in use`,
    );
    await first.close(1_000);
  });
});
