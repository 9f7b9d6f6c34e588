#!/usr/bin/env node
// bamboo-danmaku: join a room and print its danmaku, one line each, and the
// user's own unicast messages (acked once printed, unless --no-ack).
//   npx bamboo-danmaku --room 42 [--api http://127.0.0.1:8080] [--token <bearer>]
//                      [--ws] [--region r] [--isp i] [--network wifi|cellular] [--no-ack]
// Gets a ticket and gateway addresses through apollo, connects to the first
// gateway that answers, and on "reconnect elsewhere" or a dropped connection
// starts over, resuming from the last sequence number it printed.
import { parseArgs } from 'node:util';
import { DanmakuClient } from './client/client.js';
import type { RoomMessage } from './stores/room-bus.js';
import type { UnicastMessage } from './stores/inbox.js';

const { values } = parseArgs({
  options: {
    room: { type: 'string' },
    api: { type: 'string', default: process.env.BAMBOO_API_URL ?? 'http://127.0.0.1:8080' },
    token: { type: 'string' },
    ws: { type: 'boolean', default: false },
    region: { type: 'string' },
    isp: { type: 'string' },
    network: { type: 'string' },
    'no-ack': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help || !values.room) {
  process.stdout.write('usage: bamboo-danmaku --room <id> [--api URL] [--token BEARER] [--ws] [--region R] [--isp I] [--network N] [--no-ack]\n');
  process.exit(values.help ? 0 : 2);
}
const room = values.room;
const headers: Record<string, string> = { 'content-type': 'application/json', ...(values.token ? { authorization: `Bearer ${values.token}` } : {}) };

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(new URL(path, values.api), { ...init, headers });
  const body = (await res.json()) as T & { error?: { code: string; message: string } };
  if (!res.ok) throw new Error(`${path}: ${res.status} ${body.error?.code ?? ''} ${body.error?.message ?? ''}`);
  return body;
}

function print(m: RoomMessage): void {
  const time = new Date(m.ts).toISOString().slice(11, 19);
  const who = m.from ?? m.type;
  const text = typeof m.body.text === 'string' ? m.body.text : JSON.stringify(m.body);
  process.stdout.write(`${time} [${m.room}#${m.seq}] ${who}: ${text}\n`);
}

/** A unicast message, marked as yours; acked once printed (with --no-ack it comes again on the next connect). */
function printUnicast(client: () => DanmakuClient | undefined, m: UnicastMessage): void {
  const time = new Date(m.ts).toISOString().slice(11, 19);
  const text = typeof m.body.text === 'string' ? m.body.text : JSON.stringify(m.body);
  process.stdout.write(`${time} [to you${m.id === undefined ? '' : ` #${m.id}`}] ${m.from ?? m.type}: ${text}\n`);
  if (m.id !== undefined && !values['no-ack']) client()?.ack([m.id]).catch(() => undefined);
}

async function connectOnce(lastSeq: number | undefined): Promise<DanmakuClient> {
  const query = new URLSearchParams({ room, ...(values.region ? { region: values.region } : {}), ...(values.isp ? { isp: values.isp } : {}) });
  const { gateways } = await api<{ gateways: Array<{ tcp: string; ws: string }> }>(`/v1/danmaku/dispatch?${query}`);
  if (gateways.length === 0) throw new Error('the dispatcher lists no gateway');
  for (const gateway of gateways) {
    const { ticket } = await api<{ ticket: string }>('/v1/danmaku/tickets', {
      method: 'POST',
      body: JSON.stringify({ room, ...(values.network ? { network: values.network } : {}) }),
    });
    // Inbox messages arrive during the handshake, before the client object is returned: ack those once it is.
    let connected: DanmakuClient | undefined;
    const early: UnicastMessage[] = [];
    const onUnicast = (m: UnicastMessage) => (connected ? printUnicast(() => connected, m) : early.push(m));
    const options = {
      ticket,
      onMessage: print,
      onUnicast,
      ...(lastSeq === undefined ? {} : { lastSeq }),
      ...(values.network ? { network: values.network } : {}),
    };
    try {
      connected = values.ws ? await DanmakuClient.ws(gateway.ws, options) : await DanmakuClient.tcp(gateway.tcp, options);
      for (const m of early.splice(0)) printUnicast(() => connected, m);
      return connected;
    } catch (error) {
      process.stderr.write(`${values.ws ? gateway.ws : gateway.tcp}: ${(error as Error).message}; trying the next\n`);
    }
  }
  throw new Error('no gateway accepted the connection');
}

let lastSeq: number | undefined;
for (;;) {
  try {
    const client = await connectOnce(lastSeq);
    process.stderr.write(`joined room ${room} as ${client.auth?.uid}\n`);
    await new Promise<void>((resolve) => {
      client.on('notice', () => client.close());
      client.on('error', (e: { code: string; message: string }) => process.stderr.write(`server: ${e.code}: ${e.message}\n`));
      client.once('close', resolve);
    });
    lastSeq = client.lastSeq.get(room) ?? lastSeq;
    process.stderr.write('disconnected; reconnecting\n');
  } catch (error) {
    process.stderr.write(`${(error as Error).message}; retrying in 2 s\n`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}
