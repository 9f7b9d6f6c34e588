// A line as the ops API shows it: the document (never its sign key), its
// relays, the viewers this instance handed it, and its health.
import type { Trafficcop } from '../trafficcop.js';
import type { CdnLine } from '../stores/lines.js';

export function lineView(tc: Trafficcop, line: CdnLine) {
  const { signKey, ...rest } = line;
  const relays = { connecting: 0, up: 0, retrying: 0 };
  for (const r of tc.relays.status()) if (r.lineId === line.id) relays[r.state] += 1;
  return { ...rest, signed: signKey !== undefined, relays, viewers: tc.viewers.count(line.id), health: tc.health.view(line.id) };
}

export const json = <T>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
