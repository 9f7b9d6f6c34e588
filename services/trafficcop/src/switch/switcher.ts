// Switchover: when a line goes bad (health) or ops move viewers off it, the
// rooms with viewers on it get a high-priority notice through homer with a
// fresh URL list that leaves the line out; the change is written to the
// audit log with its reason and figures. Notices are sent once per switch
// and room (homer dedupes on the idempotency key; the kit's client retries).
import { EventEmitter } from 'node:events';
import type { Logger } from '@bamboo/kit';
import type { HomerClient } from '../clients/homer.js';
import type { HealthChange } from '../health/monitor.js';
import type { Scheduler } from '../schedule/scheduler.js';
import type { ViewerTracker } from '../schedule/viewers.js';
import type { Actor, AuditEntry, AuditLog } from '../stores/audit.js';
import { EVERYWHERE } from '../stores/lines.js';

export const NOTICE_KIND = 'cdn.switch';
const CONCURRENCY = 16;

export interface SwitchTarget {
  /** Move the viewers of this line … */
  lineId?: string;
  /** … or of this room (both: this room's viewers of this line). */
  roomId?: string;
  region?: string;
  isp?: string;
}

export interface SwitcherOptions {
  scheduler: Scheduler;
  viewers: ViewerTracker;
  homer: HomerClient;
  audit: AuditLog;
  logger: Logger;
  now: () => number;
}

const SYSTEM: Actor = { kind: 'system', id: 'trafficcop', via: 'health' };

export class Switcher extends EventEmitter<{
  notified: [{ roomId: string; lineId?: string; at: number; seq: number }];
  failed: [{ roomId: string; lineId?: string }];
}> {
  readonly #log: Logger;

  constructor(private readonly options: SwitcherOptions) {
    super();
    this.#log = options.logger.child({ component: 'switch' });
  }

  /** Follows a health change: audit, and on degrade tell the line's rooms to switch. */
  async onHealthChange(change: HealthChange): Promise<void> {
    const [region, isp] = change.scope === EVERYWHERE ? [] : change.scope.split('/');
    const rooms = change.status === 'degraded' ? this.options.viewers.rooms(change.lineId, region, isp) : [];
    await this.options.audit.append({
      at: change.at,
      actor: SYSTEM,
      action: change.status === 'degraded' ? 'line.degraded' : 'line.recovered',
      reason: change.reason,
      lineId: change.lineId,
      scope: change.scope,
      figures: { source: change.source, ...change.figures },
      ...(rooms.length ? { notifiedRooms: rooms } : {}),
    });
    if (rooms.length) {
      await this.#notify(rooms, { lineId: change.lineId, ...(region ? { region, isp } : {}) }, change.reason, `${change.lineId}:${change.scope}:${change.at}`);
    }
  }

  /** Rooms that a switch of `target` would tell. */
  rooms(target: SwitchTarget): string[] {
    if (target.lineId === undefined) return target.roomId ? [target.roomId] : [];
    const rooms = this.options.viewers.rooms(target.lineId, target.region, target.isp);
    return target.roomId ? rooms.filter((r) => r === target.roomId) : rooms;
  }

  /** An ops switch: audit, then tell the rooms; resolves with the rooms told. */
  async switchViewers(target: SwitchTarget, actor: Actor, reason: string): Promise<{ entry: AuditEntry; rooms: string[] }> {
    const rooms = target.roomId && target.lineId === undefined ? [target.roomId] : this.rooms(target);
    const at = this.options.now();
    const entry = await this.options.audit.append({
      at,
      actor,
      action: 'switch',
      reason,
      ...(target.lineId ? { lineId: target.lineId } : {}),
      ...(target.roomId ? { roomId: target.roomId } : {}),
      ...(target.region ? { scope: `${target.region}/${target.isp ?? EVERYWHERE}` } : {}),
      notifiedRooms: rooms,
    });
    await this.#notify(rooms, target, reason, `manual:${entry.id}`);
    return { entry, rooms };
  }

  async #notify(rooms: string[], target: SwitchTarget, reason: string, key: string): Promise<void> {
    const queue = [...rooms];
    const worker = async () => {
      for (let roomId = queue.shift(); roomId !== undefined; roomId = queue.shift()) {
        const urls = this.options.scheduler.noticeUrls(roomId, {
          ...(target.region ? { region: target.region } : {}),
          ...(target.isp ? { isp: target.isp } : {}),
          ...(target.lineId ? { exclude: target.lineId } : {}),
        });
        const body = { kind: NOTICE_KIND, roomId, ...(target.lineId ? { fromLine: target.lineId } : {}), reason, urls };
        try {
          const seq = await this.options.homer.roomNotice(roomId, body, `cdn-switch:${key}:${roomId}`);
          this.emit('notified', { roomId, ...(target.lineId ? { lineId: target.lineId } : {}), at: this.options.now(), seq });
        } catch (error) {
          this.#log.warn({ err: error, room: roomId, line: target.lineId }, 'switch notice not delivered');
          this.emit('failed', { roomId, ...(target.lineId ? { lineId: target.lineId } : {}) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  }
}
