// A room as the API shows it: the document's info with the hot fields beside it.
import type { HotFields } from '../stores/hot-rooms.js';
import type { Room } from '../stores/rooms.js';

export interface RoomView {
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
  viewers: number;
  likes: number;
  popularity: number;
  createdAt: number;
}

/** `hot` is the hot store's copy; without it (closed room, hot state lost) the last flushed values. */
export function roomView(room: Room, hot: HotFields | null): RoomView {
  const fields = hot ?? room.hot;
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
    viewers: room.live ? fields.viewers : 0,
    likes: fields.likes,
    popularity: fields.popularity,
    createdAt: room.createdAt,
  };
}
