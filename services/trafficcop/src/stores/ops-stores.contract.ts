// The PinStore and AuditLog contracts: one suite every adapter passes (see
// pins.ts and audit.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditLog } from './audit.js';
import type { PinStore } from './pins.js';

export interface OpsStoresHarness {
  open(): Promise<{ pins: PinStore; audit: AuditLog }>;
  /** Closes and opens the same data again (a restart). */
  reopen(): Promise<{ pins: PinStore; audit: AuditLog }>;
  close(): Promise<void>;
}

const pin = (scope: 'room' | 'region' | 'isp', value: string, lineId: string, expiresAt: number) => ({
  scope,
  value,
  lineId,
  expiresAt,
  createdAt: 1,
  createdBy: 'ops-1',
  reason: 'test',
});

export function opsStoresContract(name: string, harness: () => OpsStoresHarness): void {
  describe(`PinStore and AuditLog contract: ${name}`, () => {
    let h: OpsStoresHarness;
    let stores: { pins: PinStore; audit: AuditLog };

    beforeEach(async () => {
      h = harness();
      stores = await h.open();
      await stores.pins.init();
      await stores.audit.init();
    });
    afterEach(async () => {
      await h.close();
    });

    it('keeps one pin per target, replacing it and returning the one replaced', async () => {
      const first = await stores.pins.put(pin('room', '42', 'cdn-a', 1000));
      expect(first).toEqual({ pin: { id: 'room:42', ...pin('room', '42', 'cdn-a', 1000) }, replaced: null });
      const second = await stores.pins.put(pin('room', '42', 'cdn-b', 2000));
      expect(second.replaced?.lineId).toBe('cdn-a');
      await stores.pins.put(pin('region', 'cn-east', 'cdn-c', 3000));
      expect((await stores.pins.list(0)).map((p) => [p.id, p.lineId])).toEqual([
        ['region:cn-east', 'cdn-c'],
        ['room:42', 'cdn-b'],
      ]);
    });

    it('never lists an expired pin, sweeps expired ones, and removes a pin once', async () => {
      await stores.pins.put(pin('room', '1', 'cdn-a', 1000));
      await stores.pins.put(pin('isp', 'telecom', 'cdn-a', 5000));
      expect((await stores.pins.list(1000)).map((p) => p.id)).toEqual(['isp:telecom']);
      expect((await stores.pins.sweep(1000)).map((p) => p.id)).toEqual(['room:1']);
      expect((await stores.pins.remove('isp:telecom'))?.lineId).toBe('cdn-a');
      expect(await stores.pins.remove('isp:telecom')).toBeNull();
      expect(await stores.pins.list(0)).toEqual([]);
    });

    it('appends audit entries that survive a restart and lists them newest first, filtered', async () => {
      const actor = { kind: 'user' as const, id: 'ops-1', via: 'bamboo-cdn' };
      await stores.audit.append({ at: 10, actor, action: 'line.state', reason: 'a', lineId: 'cdn-a', before: { state: 'enabled' }, after: { state: 'disabled' } });
      await stores.audit.append({ at: 10, actor, action: 'pin.create', reason: 'b', lineId: 'cdn-b', roomId: '42' });
      await stores.audit.append({ at: 20, actor: { kind: 'system', id: 'trafficcop' }, action: 'line.degraded', reason: 'c', lineId: 'cdn-a', figures: { score: 0.2 } });
      stores = await h.reopen();
      await stores.audit.init();
      expect((await stores.audit.list({ limit: 10 })).map((e) => e.reason)).toEqual(['c', 'b', 'a']);
      expect((await stores.audit.list({ limit: 10, lineId: 'cdn-a' })).map((e) => e.reason)).toEqual(['c', 'a']);
      expect((await stores.audit.list({ limit: 10, roomId: '42' })).map((e) => e.reason)).toEqual(['b']);
      expect((await stores.audit.list({ limit: 10, action: 'line.degraded' }))[0]).toMatchObject({ at: 20, figures: { score: 0.2 } });
      expect(await stores.audit.list({ limit: 1 })).toHaveLength(1);
    });
  });
}
