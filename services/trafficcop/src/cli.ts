#!/usr/bin/env node
// bamboo-cdn: the ops CLI of trafficcop's CDN lines. Human tables by default,
// `--json` for scripts; exit 0 on success, 1 when the call fails, 2 on a
// usage error (a state change without --reason, an unknown command, …).
// How it reaches the service: see cli/api.ts.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ApiError, callApi, targetFromEnv } from './cli/api.js';
import { parseDuration, table, time } from './cli/table.js';

interface LineOut {
  id: string;
  provider: string;
  kind: string;
  state: string;
  weight: number;
  capacity: number;
  regions: string[];
  isps: string[];
  viewers: number;
  relays: { up: number; connecting: number; retrying: number };
  health: { status: string; tracks: Array<{ scope: string; source: string; status: string; since: number; recoversAt?: number; figures?: unknown }> };
  pushUrlTemplate?: string;
  pullUrlTemplates: Record<string, string>;
  probeUrl?: string;
  signed: boolean;
}
interface PinOut {
  id: string;
  lineId: string;
  expiresAt: number;
  createdBy: string;
  reason: string;
}
interface AuditOut {
  id: string;
  at: number;
  actor: { kind: string; id: string; via?: string };
  action: string;
  reason: string;
  lineId?: string;
  roomId?: string;
  scope?: string;
  figures?: Record<string, unknown>;
  notifiedRooms?: string[];
}

const program = new Command('bamboo-cdn')
  .description(
    'Operate trafficcop CDN lines: state, weight, pins, switches, audit log.\n' +
      'Auth: BAMBOO_INTERNAL_KEY → signed calls straight to TRAFFICCOP_URL (default http://127.0.0.1:8085);\n' +
      'else BAMBOO_CDN_TOKEN (scope cdn:admin) → through APOLLO_URL (default http://127.0.0.1:8080).',
  )
  .option('--json', 'print the API answer as JSON (for scripts)', false)
  .option('--url <url>', 'where to call (default from the environment, see above)')
  .option('--as <name>', 'who you are, for the audit log with BAMBOO_INTERNAL_KEY (default $USER)')
  .exitOverride()
  .configureHelp({ showGlobalOptions: true })
  .showHelpAfterError();

const reason = () => new Option('--reason <text>', 'why (recorded in the audit log)').makeOptionMandatory();
const integer = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number`);
  return Number(value);
};
const duration = (value: string) => {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};
const scopeArg = (value: string) => {
  if (!['room', 'region', 'isp'].includes(value)) throw new InvalidArgumentError('must be room, region or isp');
  return value;
};

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const opts = program.opts<{ url?: string; as?: string }>();
  return callApi(targetFromEnv(process.env, opts.url, opts.as), method, path, body);
}

function out(answer: unknown, human: () => string): void {
  process.stdout.write(program.opts<{ json: boolean }>().json ? `${JSON.stringify(answer, null, 2)}\n` : human());
}

const enc = encodeURIComponent;
const healthText = (l: LineOut) => {
  const bad = l.health.tracks.filter((t) => t.status === 'degraded').map((t) => `${t.source}@${t.scope}`);
  return bad.length ? `${l.health.status} (${bad.join(', ')})` : l.health.status;
};
const lineRows = (lines: LineOut[]) =>
  table(
    ['line', 'provider', 'kind', 'state', 'health', 'weight', 'viewers', 'relays up', 'regions', 'isps'],
    lines.map((l) => [l.id, l.provider, l.kind, l.state, healthText(l), l.weight, l.capacity ? `${l.viewers}/${l.capacity}` : l.viewers, l.relays.up, l.regions.join(','), l.isps.join(',')]),
  );

program
  .command('lines')
  .description('list lines with state, health, weight and viewers')
  .action(async () => {
    const answer = (await api('GET', '/v1/cdn/lines')) as { lines: LineOut[] };
    out(answer, () => (answer.lines.length ? lineRows(answer.lines) : 'no lines\n'));
  });

program
  .command('line <lineId>')
  .description('show one line: URLs, coverage, health per scope')
  .action(async (lineId: string) => {
    const l = (await api('GET', `/v1/cdn/lines/${enc(lineId)}`)) as LineOut;
    out(l, () => {
      const fields = table(
        ['field', 'value'],
        [
          ['provider', l.provider],
          ['kind', l.kind],
          ['state', l.state],
          ['weight', l.weight],
          ['capacity', l.capacity || 'no limit'],
          ['viewers', l.viewers],
          ['regions', l.regions.join(',')],
          ['isps', l.isps.join(',')],
          ['push', l.pushUrlTemplate],
          ...Object.entries(l.pullUrlTemplates).map(([p, u]) => [`pull ${p}`, u]),
          ['probe', l.probeUrl],
          ['signed URLs', l.signed ? 'yes' : 'no'],
          ['relays', `${l.relays.up} up, ${l.relays.connecting} connecting, ${l.relays.retrying} retrying`],
          ['health', l.health.status],
        ],
      );
      const tracks = l.health.tracks.length
        ? table(
            ['source', 'scope', 'status', 'since', 'recovers at', 'figures'],
            l.health.tracks.map((t) => [t.source, t.scope, t.status, time(t.since), time(t.recoversAt), JSON.stringify(t.figures ?? {})]),
          )
        : '';
      return `${l.id}\n${fields}${tracks ? `\n${tracks}` : ''}`;
    });
  });

for (const [command, state, what] of [
  ['enable', 'enabled', 'hand the line out again (and push to it)'],
  ['disable', 'disabled', 'stop handing the line out, stop pushing to it, tell its viewers to switch'],
  ['drain', 'draining', 'no new plays on the line; its viewers and relays stay'],
] as const) {
  program
    .command(`${command} <lineId>`)
    .description(what)
    .addOption(reason())
    .action(async (lineId: string, o: { reason: string }) => {
      const l = (await api('PUT', `/v1/cdn/lines/${enc(lineId)}/state`, { state, reason: o.reason })) as LineOut;
      out(l, () => `${l.id} is now ${l.state}\n`);
    });
}

program
  .command('weight <lineId> <weight>')
  .description("set a line's weight (its share among equally good lines)")
  .addOption(reason())
  .action(async (lineId: string, weight: string, o: { reason: string }) => {
    const l = (await api('PUT', `/v1/cdn/lines/${enc(lineId)}/weight`, { weight: integer('weight')(weight), reason: o.reason })) as LineOut;
    out(l, () => `${l.id} weight is now ${l.weight}\n`);
  });

program
  .command('pin <scope> <value> <lineId>')
  .description('pin a room, region or ISP to a line until the pin expires (scope: room|region|isp)')
  .addOption(new Option('--ttl <duration>', 'how long the pin holds: 90s, 30m, 2h, 1d').argParser(duration).makeOptionMandatory())
  .addOption(reason())
  .action(async (scope: string, value: string, lineId: string, o: { ttl: number; reason: string }) => {
    scopeArg(scope);
    const pin = (await api('PUT', `/v1/cdn/pins/${enc(scope)}/${enc(value)}`, { lineId, ttlS: o.ttl, reason: o.reason })) as PinOut;
    out(pin, () => `${pin.id} → ${pin.lineId} until ${time(pin.expiresAt)}\n`);
  });

program
  .command('unpin <scope> <value>')
  .description('remove the pin of a room, region or ISP')
  .addOption(reason())
  .action(async (scope: string, value: string, o: { reason: string }) => {
    scopeArg(scope);
    const pin = (await api('DELETE', `/v1/cdn/pins/${enc(scope)}/${enc(value)}?reason=${enc(o.reason)}`)) as PinOut;
    out(pin, () => `${pin.id} unpinned (was → ${pin.lineId})\n`);
  });

program
  .command('pins')
  .description('pins in force')
  .action(async () => {
    const answer = (await api('GET', '/v1/cdn/pins')) as { pins: PinOut[] };
    out(answer, () =>
      answer.pins.length
        ? table(['pin', 'line', 'expires', 'by', 'reason'], answer.pins.map((p) => [p.id, p.lineId, time(p.expiresAt), p.createdBy, p.reason]))
        : 'no pins\n',
    );
  });

program
  .command('switch')
  .description("tell live viewers to switch: a line's viewers (--line), a room's (--room), or both")
  .option('--line <lineId>', 'move viewers off this line')
  .option('--room <roomId>', 'only this room')
  .option('--region <code>', "only this region's viewers (with --line)")
  .option('--isp <code>', "only this ISP's viewers (with --line)")
  .addOption(reason())
  .action(async (o: { line?: string; room?: string; region?: string; isp?: string; reason: string }, cmd: Command) => {
    if (!o.line && !o.room) cmd.error('error: give --line, --room or both', { exitCode: 2, code: 'usage' });
    const answer = (await api('POST', '/v1/cdn/switch', {
      ...(o.line ? { lineId: o.line } : {}),
      ...(o.room ? { roomId: o.room } : {}),
      ...(o.region ? { region: o.region } : {}),
      ...(o.isp ? { isp: o.isp } : {}),
      reason: o.reason,
    })) as { auditId: string; rooms: string[] };
    out(answer, () => `told ${answer.rooms.length} room(s) to switch${answer.rooms.length ? `: ${answer.rooms.join(', ')}` : ''}\n`);
  });

program
  .command('audit')
  .description('the audit log, newest first')
  .option('--line <lineId>', 'only this line')
  .option('--room <roomId>', 'only this room')
  .option('--action <action>', 'only this action, e.g. line.state, line.degraded, pin.create, switch')
  .option('--limit <n>', 'how many entries', integer('limit'), 50)
  .action(async (o: { line?: string; room?: string; action?: string; limit: number }) => {
    const query = new URLSearchParams({ limit: String(o.limit) });
    if (o.line) query.set('lineId', o.line);
    if (o.room) query.set('roomId', o.room);
    if (o.action) query.set('action', o.action);
    const answer = (await api('GET', `/v1/cdn/audit?${query}`)) as { entries: AuditOut[] };
    out(answer, () =>
      answer.entries.length
        ? table(
            ['when', 'who', 'action', 'line', 'room/scope', 'reason', 'figures'],
            answer.entries.map((e) => [
              time(e.at),
              `${e.actor.id}${e.actor.via ? ` (${e.actor.via})` : ''}`,
              e.action,
              e.lineId,
              e.roomId ?? e.scope,
              e.reason,
              e.figures ? JSON.stringify(e.figures) : undefined,
            ]),
          )
        : 'no entries\n',
    );
  });

program
  .command('health')
  .description("every line's health as the instance answering sees it")
  .action(async () => {
    const answer = (await api('GET', '/v1/cdn/health')) as { lines: Array<{ lineId: string; state: string; health: LineOut['health'] }> };
    out(answer, () =>
      table(
        ['line', 'state', 'health', 'degraded where'],
        answer.lines.map((l) => [
          l.lineId,
          l.state,
          l.health.status,
          l.health.tracks.filter((t) => t.status === 'degraded').map((t) => `${t.source}@${t.scope}`).join(', ') || undefined,
        ]),
      ),
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  const message = error instanceof Error ? error.message : String(error);
  if (program.opts<{ json: boolean }>().json) {
    const code = error instanceof ApiError ? error.code : 'failed';
    process.stdout.write(`${JSON.stringify({ error: { code, message, ...(error instanceof ApiError && error.status ? { status: error.status } : {}) } })}\n`);
  } else {
    process.stderr.write(`bamboo-cdn: ${message}\n`);
  }
  process.exit(1);
}
