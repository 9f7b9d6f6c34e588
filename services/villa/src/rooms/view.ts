// A room as the API shows it: the document's info (its "card", which the hot
// store also keeps for lists) with the hot fields beside it.
import type { HotFields } from '../stores/hot-rooms.js';
import type { Room } from '../stores/rooms.js';

export interface RoomCard {
  roomId: string;
  shortId: number;
  anchorId: string;
  categoryId: string;
  title: string;
  tags: string[];
  notice: string;
  coverImageId: string | null;
  thumbnailImageId: string | null;
  closed: boolean;
  live: boolean;
  sessionId: string | null;
  startedAt: number | null;
  createdAt: number;
}

export interface RoomView extends RoomCard {
  viewers: number;
  likes: number;
  popularity: number;
}

export function cardOf(room: Room): RoomCard {
  return {
    roomId: room._id,
    shortId: room.shortId,
    anchorId: room.anchorId,
    categoryId: room.categoryId,
    title: room.title,
    tags: room.tags,
    notice: room.notice,
    coverImageId: room.coverImageId,
    thumbnailImageId: room.thumbnailImageId,
    closed: room.closed,
    live: room.live,
    sessionId: room.sessionId,
    startedAt: room.live ? room.startedAt : null,
    createdAt: room.createdAt,
  };
}

/** Viewers count only while live: an offline room shows none, whatever was last counted. */
export function withFields(card: RoomCard, fields: HotFields): RoomView {
  return { ...card, viewers: card.live ? fields.viewers : 0, likes: fields.likes, popularity: fields.popularity };
}

/** `hot` is the hot store's copy; without it (closed room, hot state lost) the last flushed values. */
export function roomView(room: Room, hot: HotFields | null): RoomView {
  return withFields(cardOf(room), hot ?? room.hot);
}
