// The dispatcher's ordering: gateways in the client's region and ISP first,
// then its region, then the rest; within a tier, rendezvous hashing on the
// user, so each user has a stable order and users spread evenly, and when a
// gateway drops out only its users move.
import { createHash } from 'node:crypto';
import type { GatewayInfo } from '../stores/gateway-registry.js';

export interface DispatchQuery {
  /** Who is asking (user id, or any stable client id for anonymous viewers). */
  key: string;
  region?: string;
  isp?: string;
}

export function orderGateways(gateways: GatewayInfo[], query: DispatchQuery, limit: number): GatewayInfo[] {
  const tier = (g: GatewayInfo): number => {
    const sameRegion = query.region !== undefined && g.region === query.region;
    const sameIsp = query.isp !== undefined && g.isp === query.isp;
    if (sameRegion && sameIsp) return 0;
    if (sameRegion) return 1;
    if (sameIsp) return 2;
    return 3;
  };
  return gateways
    .map((g) => ({ g, tier: tier(g), score: score(query.key, g.id) }))
    .sort((a, b) => a.tier - b.tier || (a.score < b.score ? 1 : a.score > b.score ? -1 : 0))
    .slice(0, limit)
    .map((x) => x.g);
}

function score(key: string, id: string): bigint {
  return createHash('sha1').update(`${key}\u0000${id}`).digest().readBigUInt64BE(0);
}
