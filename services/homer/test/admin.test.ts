// The admin routes and metrics: kick a user (all their connections, on every
// gateway), close a room's connections, connection gauges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DanmakuClient, type ServerError } from '../src/client/client.js';
import { eventually, post, startNode, type Node } from './harness.js';

async function connect(node: Node, room: string, uid?: string) {
  const errors: ServerError[] = [];
  const ws = room === '44';
  const options = { ticket: await node.ticket(room, uid), heartbeat: false };
  const client = ws ? await DanmakuClient.ws(node.address.ws, options) : await DanmakuClient.tcp(node.address.tcp, options);
  client.on('error', (e: ServerError) => errors.push(e));
  return { client, errors };
}

describe('admin routes and metrics', () => {
  let node: Node;
  beforeAll(async () => {
    node = await startNode();
  });
  afterAll(async () => node.stop());

  it('reports connections per transport and per room', async () => {
    const a = await connect(node, '43', 'm-1');
    const b = await connect(node, '44', 'm-2');
    const text = await (await fetch(`${node.url}/metrics`)).text();
    expect(text).toContain('homer_connections{transport="tcp",service="homer"} 1');
    expect(text).toContain('homer_connections{transport="ws",service="homer"} 1');
    expect(text).toContain('homer_room_connections{room="43",service="homer"} 1');
    expect(text).toContain('homer_room_connections{room="44",service="homer"} 1');
    a.client.close();
    b.client.close();
  });

  it('kicks every connection of a user and nobody else', async () => {
    const first = await connect(node, '42', 'troll');
    const second = await connect(node, '43', 'troll');
    const bystander = await connect(node, '42', 'nice');
    const res = await post(node, '/internal/users/troll/kick', { reason: 'spam' }, { caller: 'villa' });
    expect(res.status).toBe(202);
    await eventually(() => first.client.closed && second.client.closed, 'both connections closed');
    expect(first.errors[0]).toMatchObject({ code: 'kicked', message: 'spam', fatal: true });
    expect(second.errors[0]?.code).toBe('kicked');
    expect(bystander.client.closed).toBe(false);
    expect(await bystander.client.heartbeat()).toEqual({ online: { '42': 1 } });
    bystander.client.close();
  });

  it("closes a room's connections and leaves other rooms alone", async () => {
    const inRoom = [await connect(node, '45'), await connect(node, '45', 'u-45')];
    const elsewhere = await connect(node, '46');
    expect((await post(node, '/internal/rooms/45/close', {})).status).toBe(202);
    await eventually(() => inRoom.every((c) => c.client.closed), 'the room emptied');
    expect(inRoom[0]!.errors[0]?.code).toBe('room_closed');
    expect(elsewhere.client.closed).toBe(false);
    elsewhere.client.close();
    expect((await post(node, '/internal/rooms/not!a!room/close', {})).status).toBe(400);
    expect((await post(node, '/internal/users/bad!user/kick', {})).status).toBe(400);
  });
});
