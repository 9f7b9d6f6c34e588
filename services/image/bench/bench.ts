// `npm run bench -w services/image`: finished variants per second through the
// service (upload → master → 2 worker processes) next to raw sharp producing
// the same variants in one process, on the same photographs in one run; peak
// RSS per worker; and how long a task whose worker was killed takes to finish
// elsewhere (the rest of its lease + processing).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createLogger, listen, loadConfig } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { createApp } from '../src/app.js';
import { configShape } from '../src/config.js';
import { processImage } from '../src/images/process.js';
import { OUTPUT_FORMATS, VARIANT_NAMES } from '../src/images/variants.js';
import { openFsBlobStore } from '../src/stores/blob-store.fs.js';
import { createDocsTaskStore } from '../src/stores/task-store.docs.js';
import { superviseWorkers } from '../src/worker/supervisor.js';

const WORKERS = 2;
const LEASE_MS = Number(process.env.BENCH_LEASE_MS ?? 5_000);
const KEY = 'image-bench-internal-key-0123456789';
const OUTPUTS_PER_IMAGE = VARIANT_NAMES.length * OUTPUT_FORMATS.length;
/** Photo sizes (megapixels 1, 3, 6, 12), two of each. */
const SIZES: Array<[number, number]> = [[1280, 800], [2048, 1536], [3000, 2000], [4000, 3000]].flatMap((s) => [s, s] as Array<[number, number]>);

/** A photo-like JPEG: smooth gradients with blurred grain, like a camera's output. */
async function photograph(width: number, height: number, seed: number): Promise<Buffer> {
  const grain = await sharp({ create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 120 + seed, sigma: 50 } } })
    .blur(1.2)
    .png({ compressionLevel: 0 })
    .toBuffer();
  const gradient = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="#${(0x204060 + seed * 0x10203).toString(16).slice(-6)}"/><stop offset="1" stop-color="#e0b070"/></linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/></svg>`,
  );
  return sharp(gradient).composite([{ input: grain, blend: 'overlay' }]).jpeg({ quality: 88 }).toBuffer();
}

const limits = { maxPixels: 40_000_000, maxFrames: 100 };

/** The same sharp settings a worker process uses (cache off, cores shared between the workers). */
const WORKER_THREADS = Math.max(1, Math.floor(availableParallelism() / WORKERS));

interface Run {
  /** Finished variants per wall-clock second. */
  rate: number;
  /** CPU seconds spent per finished variant (user + system, every process involved). */
  cpuPerVariant: number;
  /** Of which in the worker processes (service only). */
  workerCpuPerVariant?: number;
}

const OUTPUTS = (images: Buffer[]) => images.length * OUTPUTS_PER_IMAGE;
const ownCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** CPU seconds a process has used so far (Linux /proc; clock ticks at 100 Hz). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
}

async function baseline(images: Buffer[]): Promise<Run> {
  sharp.cache(false);
  sharp.concurrency(WORKER_THREADS);
  const cpu = ownCpuSeconds();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < images.length) await processImage(images[next++]!, limits);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { rate: OUTPUTS(images) / seconds, cpuPerVariant: (ownCpuSeconds() - cpu) / OUTPUTS(images) };
}

async function untilSettled(url: string, id: string): Promise<string> {
  for (;;) {
    const { status } = (await (await fetch(`${url}/v1/images/${id}`)).json()) as { status: string };
    if (status === 'finished' || status === 'failed') return status;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round(kb / 1024);
}

interface Service {
  url: string;
  tasks: ReturnType<typeof createDocsTaskStore>;
  workerPids(): number[];
  stop(): Promise<void>;
}

/** The image service in this process, with WORKERS real worker processes (dist/worker/main.js). */
async function startService(leaseMs: number): Promise<Service> {
  const dir = await mkdtemp(join(tmpdir(), 'bamboo-image-bench-'));
  const config = loadConfig(configShape, { BAMBOO_INTERNAL_KEY: KEY, DATA_DIR: dir, LOG_LEVEL: 'silent', IMAGE_LEASE_MS: String(leaseMs) });
  const logger = createLogger('image-bench', 'silent');
  const engines = await openEngines(config, 'image');
  const tasks = createDocsTaskStore(engines.docs);
  await tasks.init();
  const { app } = createApp({ config, logger, engines, tasks, blobs: await openFsBlobStore(join(dir, 'blobs')) });
  const http = await listen('image', app.fetch, { port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${http.port}`;
  const workers = superviseWorkers({
    count: WORKERS,
    entry: fileURLToPath(new URL('../dist/worker/main.js', import.meta.url)),
    execArgv: [],
    env: { ...process.env, BAMBOO_INTERNAL_KEY: KEY, IMAGE_URL: url, IMAGE_WORKERS: String(WORKERS), IMAGE_WORKER_POLL_MS: '20', LOG_LEVEL: 'silent' },
    logger,
  });
  // Wait until the workers answer: one small image through the whole path.
  const warm = await upload(url, await photograph(320, 240, 99));
  await untilSettled(url, warm);
  return {
    url,
    tasks,
    workerPids: () => workers.pids(),
    async stop() {
      await workers.stop(5_000);
      await http.close(1_000);
      await engines.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function upload(url: string, body: Buffer): Promise<string> {
  const res = await fetch(`${url}/v1/images`, { method: 'POST', body, headers: { 'content-type': 'image/jpeg' } });
  if (res.status !== 202) throw new Error(`upload refused: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(56)} ${value}\n`);

async function throughService(service: Service, images: Buffer[]): Promise<Run> {
  const pids = service.workerPids();
  const workersCpu = async () => (await Promise.all(pids.map(cpuSecondsOf))).reduce((a, b) => a + b, 0);
  const masterCpu = ownCpuSeconds();
  const workerCpu = await workersCpu();
  const started = performance.now();
  const ids = await Promise.all(images.map((body) => upload(service.url, body)));
  const outcomes = await Promise.all(ids.map((id) => untilSettled(service.url, id)));
  const seconds = (performance.now() - started) / 1000;
  if (outcomes.some((o) => o !== 'finished')) throw new Error(`not every image finished: ${outcomes.join(', ')}`);
  const workers = (await workersCpu()) - workerCpu;
  const master = ownCpuSeconds() - masterCpu;
  return { rate: OUTPUTS(images) / seconds, cpuPerVariant: (master + workers) / OUTPUTS(images), workerCpuPerVariant: workers / OUTPUTS(images) };
}

/** Rounds alternate baseline and service on the same images, so a change in machine load hits both. */
async function throughput(images: Buffer[], rounds: number): Promise<void> {
  await processImage(await photograph(320, 240, 98), limits); // load libvips before timing
  const service = await startService(120_000);
  try {
    const raw: Run[] = [];
    const through: Run[] = [];
    for (let round = 0; round < rounds; round++) {
      raw.push(await baseline(images));
      // Fresh bytes each round, or the service would answer from its earlier result.
      through.push(await throughService(service, await Promise.all(images.map((_, i) => photograph(SIZES[i]![0], SIZES[i]![1], i + 10 * (round + 1))))));
    }
    const sum = (runs: Run[], key: keyof Run) => runs.reduce((total, run) => total + (run[key] ?? 0), 0) / runs.length;
    const rss = await Promise.all(service.workerPids().map(peakRssMb));
    for (let round = 0; round < rounds; round++) {
      line(`round ${round + 1}: baseline / service variants/s`, `${raw[round]!.rate.toFixed(2)} / ${through[round]!.rate.toFixed(2)} (ratio ${(through[round]!.rate / raw[round]!.rate).toFixed(2)})`);
    }
    line(`baseline: raw sharp, one process, ${WORKERS} images in flight`, `${sum(raw, 'rate').toFixed(2)} variants/s, ${sum(raw, 'cpuPerVariant').toFixed(3)} CPU s/variant`);
    line(`service: upload → master → ${WORKERS} worker processes`, `${sum(through, 'rate').toFixed(2)} variants/s, ${sum(through, 'cpuPerVariant').toFixed(3)} CPU s/variant`);
    line('  of which in the worker processes', `${sum(through, 'workerCpuPerVariant').toFixed(3)} CPU s/variant`);
    line('ratio service / baseline, wall clock (target ≥ 0.80)', (sum(through, 'rate') / sum(raw, 'rate')).toFixed(2));
    line('ratio service / baseline, CPU per variant (load-proof)', (sum(raw, 'cpuPerVariant') / sum(through, 'cpuPerVariant')).toFixed(2));
    line('peak RSS per worker process', rss.map((r) => `${r} MB`).join(', '));
  } finally {
    await service.stop();
  }
}

/** A worker killed mid-task: the task waits out the lease, then another worker finishes it. */
async function killedWorker(): Promise<void> {
  const service = await startService(LEASE_MS);
  try {
    const id = await upload(service.url, await photograph(1280, 800, 42));
    let holder: string | null = null;
    while (!holder) {
      holder = (await service.tasks.get(id))?.worker ?? null;
      if (!holder) await new Promise((r) => setTimeout(r, 5));
    }
    const killedAt = performance.now();
    process.kill(Number(holder.split('-').pop()), 'SIGKILL');
    const outcome = await untilSettled(service.url, id);
    const ms = performance.now() - killedAt;
    const attempts = (await service.tasks.get(id))?.attempts;
    line(`worker killed mid-task → finished elsewhere (lease ${LEASE_MS} ms)`, `${Math.round(ms)} ms (${outcome}, attempt ${attempts})`);
  } finally {
    await service.stop();
  }
}

process.stdout.write(`making ${SIZES.length} photographs (1–12 MP)…\n`);
const images = await Promise.all(SIZES.map(([w, h], i) => photograph(w, h, i)));
const mb = images.reduce((sum, b) => sum + b.byteLength, 0) / 1e6;
process.stdout.write(`\nimage benchmark — ${images.length} photographs, ${mb.toFixed(1)} MB, ${OUTPUTS_PER_IMAGE} outputs each (${VARIANT_NAMES.length} variants × ${OUTPUT_FORMATS.join('/')}), ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}\n`);
await throughput(images, Number(process.env.BENCH_ROUNDS ?? 2));
await killedWorker();
process.exit(0);
