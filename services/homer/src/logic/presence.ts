// Viewers as presence: every interval the gateway tells sandglass which of
// its users are online in which rooms (module `room:<id>`), in batches, so
// sandglass counts each room's viewers across gateways and villa reads them
// from there. A user who disconnects is simply left out, and sandglass
// expires them after its missed-heartbeat window. The beats carry source
// `homer`, so sandglass keeps these rooms apart from the modules the user's
// app reports (`page:home`, ...) and neither overwrites the other.
import { createServiceClient, z, type ServiceClient } from '@bamboo/kit';

export interface PresenceBeat {
  uid: string;
  modules: string[];
  platform?: string;
}

export interface PresenceSink {
  report(beats: PresenceBeat[]): Promise<void>;
}

/** sandglass' limits on a heartbeat (its names.ts). */
const UID = /^[A-Za-z0-9_.@-]{1,64}$/;
const MODULE = /^[a-z][a-z0-9_-]{0,31}:[A-Za-z0-9_.@-]{1,96}$/;
export const PLATFORM = /^[a-z0-9_-]{1,16}$/;

export interface Connected {
  uid: string;
  rooms: Iterable<string>;
  platform?: string;
}

/** One beat per user, with the rooms of all their connections here; at most `maxModules` each. */
export function presenceBeats(connections: Iterable<Connected>, maxModules: number): PresenceBeat[] {
  const byUser = new Map<string, PresenceBeat>();
  for (const c of connections) {
    if (!UID.test(c.uid)) continue;
    let beat = byUser.get(c.uid);
    if (!beat) byUser.set(c.uid, (beat = { uid: c.uid, modules: [], ...(c.platform ? { platform: c.platform } : {}) }));
    for (const room of c.rooms) {
      const module = `room:${room}`;
      if (MODULE.test(module) && !beat.modules.includes(module) && beat.modules.length < maxModules) beat.modules.push(module);
    }
  }
  return [...byUser.values()];
}

const Ack = z.object({ accepted: z.number() }).passthrough();
const SOURCE = 'homer';

export function sandglassPresence(options: { baseUrl: string; internalKey: string; batchSize: number }): PresenceSink {
  const sandglass: ServiceClient = createServiceClient({
    target: 'sandglass',
    baseUrl: options.baseUrl,
    caller: 'homer',
    internalKey: options.internalKey,
    timeoutMs: 5_000,
  });
  return {
    async report(beats) {
      for (let i = 0; i < beats.length; i += options.batchSize) {
        const heartbeats = beats.slice(i, i + options.batchSize).map((beat) => ({ ...beat, source: SOURCE }));
        // A heartbeat batch is safe to repeat, so it may be retried.
        await sandglass.call('POST', '/v1/presence/heartbeats', { body: { heartbeats }, schema: Ack, idempotencyKey: `presence-${Date.now()}-${i}` });
      }
    },
  };
}
