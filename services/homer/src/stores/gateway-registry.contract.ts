// The gateway-registry contract every adapter passes (see gateway-registry.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayInfo, GatewayRegistry } from './gateway-registry.js';

export interface RegistryHarness {
  /** Two handles on the same registry. */
  open(): Promise<{ a: GatewayRegistry; b: GatewayRegistry; close(): Promise<void> }>;
}

const gw = (id: string): GatewayInfo => ({ id, region: 'r', isp: 'i', tcp: `${id}:1`, ws: `ws://${id}:2/sub` });

export function gatewayRegistryContract(name: string, harness: RegistryHarness): void {
  describe(`gateway registry contract: ${name}`, () => {
    let a: GatewayRegistry;
    let b: GatewayRegistry;
    let close: () => Promise<void>;
    beforeEach(async () => {
      ({ a, b, close } = await harness.open());
    });
    afterEach(async () => close());

    it('lists beating gateways and sums their rooms', async () => {
      await a.beat(gw('g1'), { '42': 3, '7': 1 }, 10_000);
      await b.beat(gw('g2'), { '42': 2 }, 10_000);
      expect((await b.alive()).map((g) => g.id).sort()).toEqual(['g1', 'g2']);
      expect(await a.countsByGateway('42')).toEqual({ g1: 3, g2: 2 });
      expect(await b.countsByGateway('7')).toEqual({ g1: 1 });
      expect(await b.countsByGateway('none')).toEqual({});
    });

    it('replaces a gateway’s counts as a whole on each beat', async () => {
      await a.beat(gw('g1'), { '42': 3, '7': 1 }, 10_000);
      await a.beat(gw('g1'), { '42': 5 }, 10_000);
      expect(await b.countsByGateway('42')).toEqual({ g1: 5 });
      expect(await b.countsByGateway('7')).toEqual({});
    });

    it('forgets a gateway that stops beating or is removed', async () => {
      await a.beat(gw('short'), { '42': 4 }, 100);
      await a.beat(gw('gone'), { '42': 1 }, 10_000);
      await a.beat(gw('stays'), { '42': 2 }, 10_000);
      await b.remove('gone');
      await new Promise((r) => setTimeout(r, 150));
      expect((await b.alive()).map((g) => g.id)).toEqual(['stays']);
      expect(await b.countsByGateway('42')).toEqual({ stays: 2 });
    });
  });
}
