// Ops actions on lines, pins and viewers. Each change is stored, then
// written to the audit log (who, what, when, why, before and after), then
// applied at once: the scheduler and relays re-read the lines.
import { ConflictError, NotFoundError, type Identity } from '@bamboo/kit';
import type { Scheduler } from '../schedule/scheduler.js';
import { checkCode, type Codes } from '../schedule/codes.js';
import { checkLine } from './line-rules.js';
import type { Switcher, SwitchTarget } from '../switch/switcher.js';
import type { Actor, AuditEntry, AuditLog, AuditQuery } from '../stores/audit.js';
import type { CdnLine, CdnLinePatch, LineState, LineStore, NewCdnLine } from '../stores/lines.js';
import { pinId, type Pin, type PinScope, type PinStore } from '../stores/pins.js';

export interface OpsOptions {
  lines: LineStore;
  pins: PinStore;
  audit: AuditLog;
  scheduler: Scheduler;
  switcher: Switcher;
  codes: Codes;
  /** Relays follow line changes. */
  refreshRelays(): Promise<void>;
  roomExists(roomId: string): Promise<boolean>;
  now: () => number;
}

export interface NewPin {
  scope: PinScope;
  value: string;
  lineId: string;
  ttlS: number;
  reason: string;
}

/** Who made a change: the end user behind the call, else the calling client or service. */
export function actorOf(identity: Identity): Actor {
  const via = identity.clientId ?? identity.caller;
  if (identity.userId) return { kind: 'user', id: identity.userId, ...(via ? { via } : {}) };
  return { kind: 'service', id: identity.clientId ?? identity.caller ?? 'anonymous' };
}

/** What an audit entry keeps of a line (never its sign key). */
function snapshot(line: CdnLine): Record<string, unknown> {
  const { signKey, createdAt: _c, updatedAt: _u, ...rest } = line;
  return { ...rest, signed: signKey !== undefined };
}

export type Ops = ReturnType<typeof createOps>;

export function createOps(o: OpsOptions) {
  const applied = async () => {
    await o.scheduler.refresh();
    await o.refreshRelays();
  };
  const mustGet = async (lineId: string) => {
    const line = await o.lines.get(lineId);
    if (!line) throw new NotFoundError(`no line ${lineId}`, 'line_not_found');
    return line;
  };
  const record = (entry: Omit<AuditEntry, 'id' | 'at'>) => o.audit.append({ at: o.now(), ...entry });

  async function changeLine(actor: Actor, lineId: string, patch: CdnLinePatch, action: AuditEntry['action'], reason: string) {
    const before = await mustGet(lineId);
    const after = await o.lines.update(lineId, patch, o.now());
    if (!after) throw new NotFoundError(`no line ${lineId}`, 'line_not_found');
    await record({ actor, action, reason, lineId, before: snapshot(before), after: snapshot(after) });
    await applied();
    return after;
  }

  return {
    async createLine(actor: Actor, line: NewCdnLine, reason: string) {
      checkLine(line, o.codes);
      const created = await o.lines.create(line, o.now());
      await record({ actor, action: 'line.create', reason, lineId: created.id, after: snapshot(created) });
      await applied();
      return created;
    },

    async updateLine(actor: Actor, lineId: string, patch: CdnLinePatch, reason: string) {
      const { id: _id, createdAt: _c, updatedAt: _u, ...current } = await mustGet(lineId);
      const merged = { ...current } as Record<string, unknown>;
      for (const [key, value] of Object.entries(patch)) {
        if (value === null) delete merged[key];
        else if (value !== undefined) merged[key] = value;
      }
      checkLine(merged as Omit<NewCdnLine, 'id'>, o.codes);
      return changeLine(actor, lineId, patch, 'line.update', reason);
    },

    async deleteLine(actor: Actor, lineId: string, reason: string) {
      const before = await mustGet(lineId);
      if (!(await o.lines.remove(lineId))) throw new NotFoundError(`no line ${lineId}`, 'line_not_found');
      await record({ actor, action: 'line.delete', reason, lineId, before: snapshot(before) });
      await applied();
      // Viewers of a removed line are told to move at once.
      await o.switcher.switchViewers({ lineId }, actor, `line removed: ${reason}`);
    },

    /** Enable, drain or disable; disabling tells the line's viewers to switch. */
    async setState(actor: Actor, lineId: string, state: LineState, reason: string) {
      const line = await changeLine(actor, lineId, { state }, 'line.state', reason);
      if (state === 'disabled') await o.switcher.switchViewers({ lineId }, actor, `line disabled: ${reason}`);
      return line;
    },

    setWeight: (actor: Actor, lineId: string, weight: number, reason: string) =>
      changeLine(actor, lineId, { weight }, 'line.weight', reason),

    async pin(actor: Actor, pin: NewPin): Promise<Pin> {
      if (pin.scope === 'region') checkCode(o.codes, 'region', pin.value, 'json.value');
      if (pin.scope === 'isp') checkCode(o.codes, 'isp', pin.value, 'json.value');
      const line = await mustGet(pin.lineId);
      if (line.state !== 'enabled') throw new ConflictError(`line ${line.id} is ${line.state}; pin only to an enabled line`, 'line_not_enabled');
      if (line.kind === 'push') throw new ConflictError(`line ${line.id} is push-only; viewers cannot pull from it`, 'line_not_pull');
      if (pin.scope === 'room' && !(await o.roomExists(pin.value))) throw new NotFoundError(`no room ${pin.value}`, 'room_not_found');
      const now = o.now();
      const { pin: stored, replaced } = await o.pins.put({
        scope: pin.scope,
        value: pin.value,
        lineId: pin.lineId,
        expiresAt: now + pin.ttlS * 1000,
        createdAt: now,
        createdBy: actor.id,
        reason: pin.reason,
      });
      await record({
        actor,
        action: 'pin.create',
        reason: pin.reason,
        lineId: pin.lineId,
        ...(pin.scope === 'room' ? { roomId: pin.value } : {}),
        scope: stored.id,
        after: { ...stored },
        ...(replaced ? { before: { ...replaced } } : {}),
      });
      await applied();
      return stored;
    },

    async unpin(actor: Actor, scope: PinScope, value: string, reason: string): Promise<Pin> {
      const removed = await o.pins.remove(pinId(scope, value));
      if (!removed || removed.expiresAt <= o.now()) throw new NotFoundError(`no pin on ${scope} ${value}`, 'pin_not_found');
      await record({
        actor,
        action: 'pin.remove',
        reason,
        lineId: removed.lineId,
        ...(scope === 'room' ? { roomId: value } : {}),
        scope: removed.id,
        before: { ...removed },
      });
      await applied();
      return removed;
    },

    listPins: () => o.pins.list(o.now()),

    /** Drops expired pins from the store (the scheduler already ignores them). */
    async sweepPins() {
      if ((await o.pins.sweep(o.now())).length) await o.scheduler.refresh();
    },

    async switchViewers(actor: Actor, target: SwitchTarget, reason: string) {
      if (target.lineId) await mustGet(target.lineId);
      if (target.roomId && !(await o.roomExists(target.roomId))) throw new NotFoundError(`no room ${target.roomId}`, 'room_not_found');
      if (target.region) checkCode(o.codes, 'region', target.region, 'json.region');
      if (target.isp) checkCode(o.codes, 'isp', target.isp, 'json.isp');
      return o.switcher.switchViewers(target, actor, reason);
    },

    auditLog: (query: AuditQuery) => o.audit.list(query),
  };
}
