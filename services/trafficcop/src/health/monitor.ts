// Line health: active probes (a line failing `failThreshold` probes in a row
// is degraded everywhere) and client QoS reports (a window scoring below
// `minScore` degrades the line for that region/ISP, or everywhere when the
// line's overall window does). Every verdict goes through hysteresis, so a
// degraded line comes back only after `holdDownMs` of good health. Changes
// are emitted as `change` events (switchover and the audit log follow them).
// In process: each trafficcop instance probes and aggregates on its own.
import { EventEmitter } from 'node:events';
import type { Logger } from '@bamboo/kit';
import { EVERYWHERE, type CdnLine } from '../stores/lines.js';
import { Hysteresis, type HealthStatus } from './hysteresis.js';
import { QosWindow, type QosFigures, type QosReport, type QosRules } from './qos.js';

export type HealthSource = 'probe' | 'qos';

export interface HealthChange {
  lineId: string;
  /** `*` (everywhere) or `region/isp`. */
  scope: string;
  source: HealthSource;
  status: HealthStatus;
  at: number;
  reason: string;
  figures: Record<string, unknown>;
}

export interface ProbeFigures {
  url: string;
  consecutiveFailures: number;
  lastAt?: number;
  lastOkAt?: number;
  lastLatencyMs?: number;
  lastError?: string;
}

export interface HealthTrack {
  scope: string;
  source: HealthSource;
  status: HealthStatus;
  since: number;
  /** While degraded and good again: when the hold-down ends. */
  recoversAt?: number;
  figures?: QosFigures | ProbeFigures;
}

export interface LineHealth {
  /** degraded when degraded everywhere; `partial` when only somewhere. */
  status: 'healthy' | 'partial' | 'degraded';
  probe?: ProbeFigures;
  tracks: HealthTrack[];
}

export interface HealthMonitorOptions {
  rules: QosRules & { minScore: number; goodScore: number };
  probeIntervalMs: number;
  probeTimeoutMs: number;
  failThreshold: number;
  holdDownMs: number;
  evalIntervalMs: number;
  now: () => number;
  logger: Logger;
}

interface Track {
  lineId: string;
  scope: string;
  source: HealthSource;
  hysteresis: Hysteresis;
  figures?: QosFigures | ProbeFigures;
  window?: QosWindow;
}

interface ProbeState extends ProbeFigures {
  inFlight: boolean;
}

const scopeOf = (region: string, isp: string) => `${region}/${isp}`;

export class HealthMonitor extends EventEmitter<{ change: [HealthChange] }> {
  readonly #tracks = new Map<string, Track>();
  readonly #probes = new Map<string, ProbeState>();
  /** `${lineId}|${source}|${scope}` of degraded tracks: read on every play. */
  readonly #degraded = new Set<string>();
  /** `${lineId}|${scope}` of QoS windows scoring good. */
  readonly #good = new Set<string>();
  /** `${lineId}|${scope}` of QoS windows with enough reports to judge. */
  readonly #judged = new Set<string>();
  #lines: CdnLine[] = [];
  #timers: NodeJS.Timeout[] = [];
  readonly #log: Logger;

  constructor(private readonly options: HealthMonitorOptions) {
    super();
    this.#log = options.logger.child({ component: 'health' });
  }

  setLines(lines: CdnLine[]): void {
    this.#lines = lines;
    for (const line of lines) {
      const probe = this.#probes.get(line.id);
      if (line.probeUrl && probe?.url !== line.probeUrl) this.#probes.set(line.id, { url: line.probeUrl, consecutiveFailures: 0, inFlight: false });
      if (!line.probeUrl && probe) this.#forgetProbe(line.id);
    }
    const ids = new Set(lines.map((l) => l.id));
    for (const id of this.#probes.keys()) if (!ids.has(id)) this.#forgetProbe(id);
  }

  /** Degraded for this region/ISP or everywhere. */
  degraded(lineId: string, region?: string, isp?: string): boolean {
    if (this.#degraded.size === 0) return false;
    if (this.#degraded.has(`${lineId}|probe|*`) || this.#degraded.has(`${lineId}|qos|*`)) return true;
    return region !== undefined && isp !== undefined && this.#degraded.has(`${lineId}|qos|${scopeOf(region, isp)}`);
  }

  /** Client reports say good: for the region/ISP when it has enough reports, else overall. */
  goodQuality(lineId: string, region?: string, isp?: string): boolean {
    if (this.#good.size === 0) return false;
    if (region !== undefined && isp !== undefined) {
      const key = `${lineId}|${scopeOf(region, isp)}`;
      if (this.#judged.has(key)) return this.#good.has(key);
    }
    return this.#good.has(`${lineId}|*`);
  }

  report(report: QosReport): void {
    const now = this.options.now();
    for (const scope of [scopeOf(report.region, report.isp), EVERYWHERE]) {
      const track = this.#track(report.lineId, 'qos', scope);
      track.window!.add(report, now, this.options.rules);
      this.#judgeQos(track, now);
    }
  }

  /** Re-judges every QoS window (lines recover, or their data ages out, without new reports). */
  evaluate(): void {
    const now = this.options.now();
    for (const track of this.#tracks.values()) if (track.source === 'qos') this.#judgeQos(track, now);
  }

  /** Probes every line with a probe URL once (a line whose last probe still runs is skipped). */
  async probeAll(): Promise<void> {
    await Promise.all(
      this.#lines.filter((l) => l.probeUrl && l.state !== 'disabled').map((l) => this.#probe(l.id)),
    );
  }

  view(lineId: string): LineHealth {
    const tracks: HealthTrack[] = [];
    for (const t of this.#tracks.values()) {
      if (t.lineId !== lineId) continue;
      const h = t.hysteresis;
      tracks.push({
        scope: t.scope,
        source: t.source,
        status: h.status,
        since: h.since,
        ...(h.status === 'degraded' && h.goodSince !== undefined ? { recoversAt: h.goodSince + this.options.holdDownMs } : {}),
        ...(t.figures ? { figures: t.figures } : {}),
      });
    }
    tracks.sort((a, b) => a.source.localeCompare(b.source) || a.scope.localeCompare(b.scope));
    const everywhere = this.degraded(lineId);
    const somewhere = tracks.some((t) => t.status === 'degraded');
    const probe = this.#probes.get(lineId);
    return {
      status: everywhere ? 'degraded' : somewhere ? 'partial' : 'healthy',
      ...(probe ? { probe: probeFigures(probe) } : {}),
      tracks,
    };
  }

  start(): void {
    const probe = () => this.probeAll().catch((error: unknown) => this.#log.warn({ err: error }, 'probing failed'));
    void probe();
    this.#timers = [setInterval(probe, this.options.probeIntervalMs), setInterval(() => this.evaluate(), this.options.evalIntervalMs)];
    for (const t of this.#timers) t.unref();
  }

  stop(): void {
    for (const t of this.#timers) clearInterval(t);
  }

  #track(lineId: string, source: HealthSource, scope: string): Track {
    const key = `${lineId}|${source}|${scope}`;
    let track = this.#tracks.get(key);
    if (!track) {
      track = { lineId, scope, source, hysteresis: new Hysteresis(this.options.holdDownMs, this.options.now()) };
      if (source === 'qos') track.window = new QosWindow();
      this.#tracks.set(key, track);
    }
    return track;
  }

  #judgeQos(track: Track, now: number): void {
    const rules = this.options.rules;
    const figures = track.window!.figures(now, rules);
    const key = `${track.lineId}|${track.scope}`;
    if (figures) {
      this.#judged.add(key);
      if (figures.score >= rules.goodScore) this.#good.add(key);
      else this.#good.delete(key);
    } else {
      this.#judged.delete(key);
      this.#good.delete(key);
    }
    // Too few reports says nothing bad: a degraded line, left by its viewers, recovers after the hold-down.
    // Everywhere needs bad reports from more than one place: one bad region/ISP is degraded on its own.
    const bad =
      figures !== undefined &&
      figures.score < rules.minScore &&
      (track.scope !== EVERYWHERE || this.#degradedPlaces(track.lineId) >= 2);
    if (figures) track.figures = figures;
    const reason = bad
      ? `client QoS score ${figures.score.toFixed(2)} below ${rules.minScore} over ${figures.reports} reports`
      : `client QoS back to normal for ${this.options.holdDownMs} ms`;
    this.#observe(track, bad, now, reason, { ...(figures ?? track.figures ?? {}) });
    if (track.window!.empty(now, rules.windowMs) && track.hysteresis.status === 'healthy') this.#tracks.delete(`${track.lineId}|qos|${track.scope}`);
  }

  async #probe(lineId: string): Promise<void> {
    const state = this.#probes.get(lineId);
    if (!state || state.inFlight) return;
    state.inFlight = true;
    const started = performance.now();
    let error: string | undefined;
    try {
      const res = await fetch(state.url, { signal: AbortSignal.timeout(this.options.probeTimeoutMs), headers: { 'user-agent': 'trafficcop-probe' } });
      await res.body?.cancel();
      if (!res.ok) error = `HTTP ${res.status}`;
    } catch (e) {
      error = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${this.options.probeTimeoutMs} ms` : 'connection failed';
    } finally {
      state.inFlight = false;
    }
    if (this.#probes.get(lineId) !== state) return; // the line changed or went while probing
    const now = this.options.now();
    state.lastAt = now;
    state.lastLatencyMs = Math.round(performance.now() - started);
    if (error === undefined) {
      state.consecutiveFailures = 0;
      state.lastOkAt = now;
      delete state.lastError;
    } else {
      state.consecutiveFailures += 1;
      state.lastError = error;
    }
    const track = this.#track(lineId, 'probe', EVERYWHERE);
    track.figures = probeFigures(state);
    // While degraded, any failure restarts the hold-down.
    const bad = state.consecutiveFailures >= this.options.failThreshold || (track.hysteresis.status === 'degraded' && error !== undefined);
    const reason = bad
      ? `${state.consecutiveFailures} failed probe(s) in a row (last: ${error})`
      : `probes answered for ${this.options.holdDownMs} ms`;
    this.#observe(track, bad, now, reason, { ...probeFigures(state) });
  }

  #observe(track: Track, bad: boolean, now: number, reason: string, figures: Record<string, unknown>): void {
    const changed = track.hysteresis.observe(bad, now);
    if (!changed) return;
    const key = `${track.lineId}|${track.source}|${track.scope}`;
    if (changed === 'degraded') this.#degraded.add(key);
    else this.#degraded.delete(key);
    const change: HealthChange = { lineId: track.lineId, scope: track.scope, source: track.source, status: changed, at: now, reason, figures };
    this.#log.warn(change, changed === 'degraded' ? 'line degraded' : 'line recovered');
    this.emit('change', change);
  }

  #degradedPlaces(lineId: string): number {
    let n = 0;
    for (const key of this.#degraded) if (key.startsWith(`${lineId}|qos|`) && !key.endsWith('|*')) n++;
    return n;
  }

  #forgetProbe(lineId: string): void {
    this.#probes.delete(lineId);
    this.#tracks.delete(`${lineId}|probe|*`);
    this.#degraded.delete(`${lineId}|probe|*`);
  }
}

function probeFigures({ url, consecutiveFailures, lastAt, lastOkAt, lastLatencyMs, lastError }: ProbeFigures): ProbeFigures {
  return {
    url,
    consecutiveFailures,
    ...(lastAt !== undefined ? { lastAt } : {}),
    ...(lastOkAt !== undefined ? { lastOkAt } : {}),
    ...(lastLatencyMs !== undefined ? { lastLatencyMs } : {}),
    ...(lastError !== undefined ? { lastError } : {}),
  };
}
