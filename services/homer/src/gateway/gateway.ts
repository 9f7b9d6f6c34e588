// A gateway node: the TCP listener, the WebSocket endpoint on the HTTP
// server, its sessions, its registration (address, per-room counts) in the
// registry, the control channel (unicast pushes, kicks, room closes), and the
// drain on shutdown: tell every client to reconnect elsewhere, stop
// accepting, and finish once they left or the bound passed.
import { createServer, type Server as TcpServer } from 'node:net';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Logger } from '@bamboo/kit';
import type { DecodeLimits } from '../protocol/frame.js';
import { CLIENT_OPS } from '../protocol/ops.js';
import { Hub } from '../fanout/hub.js';
import { unicastFrame } from '../protocol/messages.js';
import type { RoomBus } from '../stores/room-bus.js';
import type { Inbox, UnicastMessage } from '../stores/inbox.js';
import type { ControlMessage, GatewayControl } from '../stores/gateway-control.js';
import type { HomerStats } from '../stats.js';
import type { GatewayInfo, GatewayRegistry } from '../stores/gateway-registry.js';
import type { RoomCatalog } from '../logic/rooms.js';
import { presenceBeats, type PresenceSink } from '../logic/presence.js';
import { Session, type SessionSettings, type Transport } from './session.js';
import { tcpTransport, wireTcp, wireWs, wsTransport } from './transports.js';

export const WS_PATH = '/sub';

export interface GatewayOptions {
  bus: RoomBus;
  registry: GatewayRegistry;
  rooms: RoomCatalog;
  inbox: Inbox;
  control: GatewayControl;
  stats: HomerStats;
  logger: Logger;
  settings: SessionSettings;
  maxClientFrameBytes: number;
  batchWindowMs: number;
  shards: number;
  windowBudget: number;
  registerEveryMs: number;
  gatewayTtlMs: number;
  /** Where clients reach this node; the id defaults to host:tcpPort. */
  publicHost: string;
  id?: string;
  region: string;
  isp: string;
  /** Where viewers are reported (sandglass), how often, and how many rooms per user. */
  presence?: { sink: PresenceSink; everyMs: number; maxModules: number };
}

export class Gateway {
  readonly hub: Hub;
  private readonly sessions = new Set<Session>();
  private readonly limits: DecodeLimits;
  private readonly wss: WebSocketServer;
  private tcp: TcpServer | undefined;
  private info: GatewayInfo | undefined;
  private beatTimer: NodeJS.Timeout | undefined;
  private presenceTimer: NodeJS.Timeout | undefined;
  /** The beat under way, so a drain can wait for it before deregistering. */
  private beating: Promise<void> | undefined;
  private controlSubscription: Promise<() => Promise<void>> | undefined;
  private draining = false;

  constructor(private readonly options: GatewayOptions) {
    this.limits = { maxFrameBytes: options.maxClientFrameBytes, allowedOps: CLIENT_OPS };
    this.hub = new Hub(
      options.bus,
      { batchWindowMs: options.batchWindowMs, shards: options.shards, windowBudget: options.windowBudget },
      options.stats,
      options.logger,
    );
    // The protocol checks sizes itself, so an oversize frame gets an error frame;
    // ws' own limit only guards memory against absurd messages.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxClientFrameBytes * 4 });
  }

  get connections(): number {
    return this.sessions.size;
  }

  get address(): GatewayInfo | undefined {
    return this.info;
  }

  /** Bytes waiting to be sent, over all connections (bounded by the send-buffer limits). */
  bufferedBytes(): number {
    let sum = 0;
    for (const session of this.sessions) sum += session.bufferedBytes;
    return sum;
  }

  /** Open connections by transport. */
  connectionsByTransport(): { tcp: number; ws: number } {
    const out = { tcp: 0, ws: 0 };
    for (const session of this.sessions) out[session.transportKind]++;
    return out;
  }

  /** Opens the TCP port, takes over /sub on `http`, registers and starts beating. */
  async start(http: HttpServer, httpPort: number, tcpPort: number, host: string): Promise<GatewayInfo> {
    // A store that is down at boot must not stop the gateway: beats retry.
    await this.hub.ensureGlobal().catch((error) => this.options.logger.warn({ err: error }, 'global stream not subscribed yet'));
    await this.ensureControl().catch((error) => this.options.logger.warn({ err: error }, 'control channel not subscribed yet'));
    this.tcp = createServer((socket) => {
      if (this.draining) return void socket.destroy();
      const session = this.open(tcpTransport(socket));
      wireTcp(socket, session, this.limits);
    });
    const tcp = this.tcp;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(tcpPort, host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    const boundTcp = (tcp.address() as AddressInfo).port;
    const id = this.options.id ?? `${this.options.publicHost}:${boundTcp}`;
    this.info = {
      id,
      region: this.options.region,
      isp: this.options.isp,
      tcp: `${this.options.publicHost}:${boundTcp}`,
      ws: `ws://${this.options.publicHost}:${httpPort}${WS_PATH}`,
    };
    await this.beat().catch((error) => this.options.logger.warn({ err: error }, 'gateway registration failed; retrying'));
    this.scheduleBeat();
    this.schedulePresence();
    return this.info;
  }

  /** Registers, refreshes online counts and drops idle room subscriptions. */
  beat(): Promise<void> {
    if (!this.info || this.draining) return Promise.resolve();
    const info = this.info;
    const run = async () => {
      await this.hub.ensureGlobal();
      await this.ensureControl();
      await this.options.registry.beat(info, this.hub.counts(), this.options.gatewayTtlMs);
      await this.hub.refreshOnline(this.options.registry, info.id);
      await this.hub.sweep();
    };
    const beating = run().finally(() => {
      if (this.beating === beating) this.beating = undefined;
    });
    this.beating = beating;
    return beating;
  }

  /** Tells sandglass who is in which room here (see logic/presence.ts). */
  async reportPresence(): Promise<number> {
    if (!this.options.presence) return 0;
    const open = [...this.sessions].filter((s) => s.uid !== undefined);
    const beats = presenceBeats(
      open.map((s) => ({ uid: s.uid!, rooms: s.rooms, ...(s.platform ? { platform: s.platform } : {}) })),
      this.options.presence.maxModules,
    );
    if (beats.length > 0) await this.options.presence.sink.report(beats);
    return beats.length;
  }

  /** The shutdown listener: drain, bounded by `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    clearTimeout(this.beatTimer);
    clearTimeout(this.presenceTimer);
    const tcpClosed = new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve()));
    // A beat already under way would re-register after the removal: let it finish first.
    await this.beating?.catch(() => undefined);
    if (this.info) await this.options.registry.remove(this.info.id).catch(() => undefined);
    for (const session of this.sessions) {
      session.notice({ code: 'reconnect', message: 'this gateway is shutting down; reconnect through the dispatcher' });
    }
    const deadline = Date.now() + timeoutMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const session of this.sessions) session.close();
    this.wss.close();
    await tcpClosed;
    await this.hub.close();
    const unsubscribe = await this.controlSubscription?.catch(() => undefined);
    await unsubscribe?.().catch(() => undefined);
  }

  /** Subscribes to the control channel; a failed attempt is retried on the next beat. */
  private async ensureControl(): Promise<void> {
    if (!this.controlSubscription) {
      const attempt = this.options.control.subscribe((message) => this.onControl(message));
      this.controlSubscription = attempt;
      attempt.catch(() => {
        if (this.controlSubscription === attempt) this.controlSubscription = undefined;
      });
    }
    await this.controlSubscription;
  }

  private onControl(message: ControlMessage): void {
    switch (message.kind) {
      case 'unicast': {
        const receivers = this.hub.receiversOf(message.uid);
        if (receivers.size === 0) return;
        const parsed = JSON.parse(message.json) as UnicastMessage;
        const frame = unicastFrame(message.json, parsed.id);
        for (const receiver of receivers) receiver.pushUnicast(frame, parsed.id, parsed.priority, parsed.ts);
        return;
      }
      case 'kick':
        for (const receiver of [...this.hub.receiversOf(message.uid)]) receiver.terminate('kicked', message.reason);
        return;
      case 'close_room':
        for (const receiver of this.hub.membersOf(message.room)) receiver.terminate('room_closed', message.reason);
        return;
    }
  }

  private open(transport: Transport): Session {
    const session = new Session(transport, {
      hub: this.hub,
      rooms: this.options.rooms,
      inbox: this.options.inbox,
      stats: this.options.stats,
      settings: this.options.settings,
      logger: this.options.logger,
      onClose: (s) => this.sessions.delete(s),
    });
    this.sessions.add(session);
    return session;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== WS_PATH || this.draining) {
      const status = this.draining ? '503 Service Unavailable' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = this.open(wsTransport(ws));
      wireWs(ws, session, this.limits);
    });
  }

  private schedulePresence(): void {
    const presence = this.options.presence;
    if (!presence) return;
    this.presenceTimer = setTimeout(async () => {
      try {
        await this.reportPresence();
      } catch (error) {
        this.options.logger.warn({ err: error }, 'reporting viewers to sandglass failed; next round retries');
      }
      if (!this.draining) this.schedulePresence();
    }, presence.everyMs);
    this.presenceTimer.unref();
  }

  private scheduleBeat(): void {
    this.beatTimer = setTimeout(async () => {
      try {
        await this.beat();
      } catch (error) {
        this.options.logger.warn({ err: error }, 'gateway registration failed; retrying');
      }
      if (!this.draining) this.scheduleBeat();
    }, this.options.registerEveryMs);
    this.beatTimer.unref();
  }
}
