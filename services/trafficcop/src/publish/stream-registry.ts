// The live streams this origin carries: one per room, from an accepted
// publish until the publish really ends (after node-media-server's reconnect
// grace window). Relays, thumbnails and villa's live status follow the
// `started` and `ended` events.
import { EventEmitter } from 'node:events';

export interface LiveStream {
  roomId: string;
  /** Path on the origin, e.g. /live/<roomId>. */
  streamPath: string;
  sessionId: string;
  startedAt: number;
  anchorId?: string;
  /** node-media-server session currently publishing (changes when a publisher resumes). */
  publisherId: string;
  /** Set when the stream ended. */
  endedAt?: number;
}

type Events = { started: [LiveStream]; ended: [LiveStream] };

export class StreamRegistry extends EventEmitter<Events> {
  readonly #streams = new Map<string, LiveStream>();

  get(roomId: string): LiveStream | undefined {
    return this.#streams.get(roomId);
  }

  list(): LiveStream[] {
    return [...this.#streams.values()].sort((a, b) => a.startedAt - b.startedAt);
  }

  /** Registers a new live stream; a room already live keeps its stream (see `resume`). */
  start(stream: LiveStream): LiveStream {
    const existing = this.#streams.get(stream.roomId);
    if (existing) return existing;
    this.#streams.set(stream.roomId, stream);
    this.emit('started', stream);
    return stream;
  }

  /** The same anchor came back within the grace window: same live session, new publisher. */
  resume(roomId: string, publisherId: string): LiveStream | undefined {
    const stream = this.#streams.get(roomId);
    if (stream) stream.publisherId = publisherId;
    return stream;
  }

  end(roomId: string, at: number): LiveStream | undefined {
    const stream = this.#streams.get(roomId);
    if (!stream) return undefined;
    this.#streams.delete(roomId);
    stream.endedAt = at;
    this.emit('ended', stream);
    return stream;
  }
}
