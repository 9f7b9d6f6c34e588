// The heartbeat interval the server tells a client: longer on cellular
// networks, where each wake-up of the radio costs battery.
export interface HeartbeatSettings {
  defaultMs: number;
  cellularMs: number;
}

const CELLULAR = new Set(['cellular', '2g', '3g', '4g', '5g']);

export function heartbeatFor(network: string | undefined, settings: HeartbeatSettings): number {
  return network !== undefined && CELLULAR.has(network.toLowerCase()) ? settings.cellularMs : settings.defaultMs;
}
