// The bench's sender process (forked by run.ts): sends messages over HTTP at
// fixed rates, open loop (a slow server does not slow the schedule; what
// cannot be sent because too many of the stream's requests are waiting is
// counted as skipped). Streams do not share that bound: gifts come from magi,
// chat from users. Each body carries the send time `t`, read by the clients.
import { Agent, request } from 'node:http';
import { signatureHeaders } from '@bamboo/kit';
import type { SendCommand, SendReport } from './protocol.js';

const MAX_IN_FLIGHT_PER_STREAM = 256;
const TICK_MS = 2;
const agent = new Agent({ keepAlive: true, maxSockets: 32 });
const TEXT = 'sixteen chars ok';

function post(url: URL, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function run(command: SendCommand): Promise<SendReport> {
  const { target, streams } = command;
  const url = new URL(target.kind === 'homer' ? '/internal/broadcast/room' : '/send', target.url);
  const sent = streams.map(() => 0);
  const accepted = streams.map(() => 0);
  const inFlight = streams.map(() => 0);
  const failed: Record<string, number> = {};
  let skipped = 0;
  let n = 0;
  const runId = `${process.pid}-${Date.now()}`;
  const one = async (s: number): Promise<void> => {
    const stream = streams[s]!;
    const t = Date.now();
    const message = { t, n: n++, text: TEXT };
    let body: string;
    let headers: Record<string, string> = {};
    if (target.kind === 'homer') {
      body = JSON.stringify({ roomId: target.room, type: stream.type, priority: stream.priority, body: message, idempotencyKey: `${runId}-${n}` });
      headers = signatureHeaders(target.key, { method: 'POST', pathWithQuery: url.pathname, body, caller: 'magi', timestampMs: t });
    } else {
      body = JSON.stringify({ event: stream.type, body: message });
    }
    inFlight[s]!++;
    const status = await post(url, body, headers);
    inFlight[s]!--;
    if (status >= 200 && status < 300) accepted[s]!++;
    else failed[status || 'no answer'] = (failed[status || 'no answer'] ?? 0) + 1;
  };
  const firstAt = Date.now();
  const endAt = firstAt + command.seconds * 1000;
  const pending: Array<Promise<void>> = [];
  while (Date.now() < endAt) {
    const elapsed = (Date.now() - firstAt) / 1000;
    streams.forEach((stream, s) => {
      for (const due = Math.floor(elapsed * stream.rate); sent[s]! < due; sent[s]!++) {
        if (inFlight[s]! >= MAX_IN_FLIGHT_PER_STREAM) skipped++;
        else pending.push(one(s));
      }
    });
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const lastAt = Date.now();
  await Promise.all(pending);
  return { type: 'sent', accepted, failed, skipped, firstAt, lastAt };
}

process.on('message', (command: SendCommand) => {
  void run(command).then((report) => process.send!(report));
});
process.on('disconnect', () => process.exit(0));
