#!/usr/bin/env node
// `npm start`: runs the whole suite on the embedded engines, one process per
// service, prints where everything is, restarts crashed services, and stops
// every child on Ctrl-C or SIGTERM.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { prefixer } from './output.js';
import { isPortFree } from './ports.js';
import { planServices, type PlannedService } from './services.js';
import { Supervisor } from './supervisor.js';
import { banner, waitUntilHealthy } from './banner.js';
import { seedDemoData } from './seed.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const HOST = process.env.HOST ?? '127.0.0.1';
const DEMO_CLIENT_ID = process.env.BAMBOO_DEMO_CLIENT_ID || 'demo-app';
const DEMO_CLIENT_SECRET = process.env.BAMBOO_DEMO_CLIENT_SECRET || 'demo-secret-change-me';

function log(message: string): void {
  process.stdout.write(`${launcherPrefix}${message}\n`);
}
const prefix = prefixer(process.stdout.isTTY === true);
const launcherPrefix = prefix('launcher');

async function main(): Promise<void> {
  let planned: PlannedService[];
  try {
    planned = planServices(process.env);
  } catch (error) {
    log((error as Error).message);
    process.exit(1);
  }
  for (const service of planned) {
    for (const [port, env, what] of [
      [service.port, service.portEnv, 'HTTP'] as const,
      ...service.extra.map((e) => [e.port, e.env, e.label] as const),
    ]) {
      if (!(await isPortFree(port, HOST))) {
        log(`port ${port} (${service.name} ${what}) is already in use; stop what holds it or set ${env}`);
        process.exit(1);
      }
    }
  }

  const internalKey = process.env.BAMBOO_INTERNAL_KEY || randomBytes(24).toString('hex');
  const urls = Object.fromEntries(planned.map((s) => [`${s.name.toUpperCase()}_URL`, `http://127.0.0.1:${s.port}`]));
  const supervisor = new Supervisor({
    log,
    prefix,
    gaveUp: (name) => void stop(1, `${name} keeps crashing`),
  });

  let stopping = false;
  async function stop(code: number, why: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`);
    await supervisor.stopAll();
    log('all services stopped');
    process.exit(code);
  }
  process.on('SIGINT', () => void stop(0, 'SIGINT'));
  process.on('SIGTERM', () => void stop(0, 'SIGTERM'));

  for (const service of planned) {
    supervisor.start({
      name: service.name,
      entry: path.join(ROOT, 'services', service.name, 'dist', 'main.js'),
      cwd: ROOT,
      env: {
        ...process.env,
        ...urls,
        PORT: String(service.port),
        HOST,
        BAMBOO_INTERNAL_KEY: internalKey,
        BAMBOO_DEMO_CLIENT_ID: DEMO_CLIENT_ID,
        BAMBOO_DEMO_CLIENT_SECRET: DEMO_CLIENT_SECRET,
        ...Object.fromEntries(service.extra.map((e) => [e.env, String(e.port)])),
      },
    });
  }

  const unhealthy = await waitUntilHealthy(planned, 60_000);
  if (stopping) return;
  if (unhealthy.length > 0) log(`not healthy yet: ${unhealthy.join(', ')} (still trying; see their output above)`);
  const port = (name: string) => planned.find((s) => s.name === name)!.port;
  let demoData: string;
  try {
    demoData = await seedDemoData({ villaPort: port('villa'), magiPort: port('magi'), internalKey });
  } catch (error) {
    demoData = `not seeded (${(error as Error).message})`;
  }
  process.stdout.write(banner(planned, { demoClientId: DEMO_CLIENT_ID, demoClientSecret: DEMO_CLIENT_SECRET, demoData }));
}

void main();
