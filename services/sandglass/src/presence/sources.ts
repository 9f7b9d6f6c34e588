// One user's modules are the union of what each source reports (the app its
// pages, homer the rooms it serves the user in). Both store adapters order
// that union the same way, so a status reads alike on either.

export interface SourceModules {
  source: string;
  /** The source's latest heartbeat (epoch ms). */
  last: number;
  modules: string[];
}

/** The union: the latest source's modules first (ties by source name), each module once. */
export function unionOf(sources: Iterable<SourceModules>): string[] {
  const ordered = [...sources].sort((a, b) => b.last - a.last || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const out = new Set<string>();
  for (const s of ordered) for (const m of s.modules) out.add(m);
  return [...out];
}
