// What the launcher prints once the suite answers: every URL a newcomer needs.
import type { PlannedService } from './services.js';

export async function waitUntilHealthy(services: PlannedService[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let pending = services.map((s) => s);
  while (pending.length > 0 && Date.now() < deadline) {
    const results = await Promise.all(pending.map((s) => isHealthy(s.port)));
    pending = pending.filter((_, i) => !results[i]);
    if (pending.length > 0) await new Promise((r) => setTimeout(r, 200));
  }
  return pending.map((s) => s.name);
}

async function isHealthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return res.ok;
  } catch {
    return false;
  }
}

export function banner(services: PlannedService[], demo: { demoClientId: string; demoClientSecret: string; demoData: string }): string {
  const apollo = services.find((s) => s.name === 'apollo')!;
  const lines = [
    '',
    'Bamboo is up.',
    `  public API (apollo)   http://127.0.0.1:${apollo.port}   API reference: http://127.0.0.1:${apollo.port}/docs`,
    '',
    '  service       HTTP                          extra',
    ...services.map((s) => {
      const extra = s.extra.map((e) => `${e.label} ${e.scheme}://127.0.0.1:${e.port}`).join(', ');
      return `  ${s.name.padEnd(12)}  ${`http://127.0.0.1:${s.port}`.padEnd(28)}  ${extra}`;
    }),
    '',
    `  demo OAuth client     id=${demo.demoClientId} secret=${demo.demoClientSecret}`,
    '                        (set BAMBOO_DEMO_CLIENT_ID / BAMBOO_DEMO_CLIENT_SECRET to change)',
    `  demo data             ${demo.demoData}`,
    '  Ctrl-C stops everything.',
    '',
  ];
  return lines.join('\n') + '\n';
}
