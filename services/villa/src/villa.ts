// Opens villa's stores over the engines and ensures their indexes.
import type { Engines } from '@bamboo/engines';
import type { Config } from './config.js';
import type { Villa } from './rooms/deps.js';
import { CategoryStore } from './stores/categories.js';
import type { HotRoomsOptions } from './stores/hot-rooms.js';
import { openMemoryHotRooms } from './stores/hot-rooms.memory.js';
import { openRedisHotRooms } from './stores/hot-rooms.redis.js';
import { RoleStore } from './stores/roles.js';
import { RoomStore } from './stores/rooms.js';
import { SessionStore } from './stores/sessions.js';

export async function openVilla(config: Config, engines: Engines): Promise<Villa> {
  const options: HotRoomsOptions = {
    weights: {
      viewer: config.VILLA_POP_WEIGHT_VIEWER,
      gift: config.VILLA_POP_WEIGHT_GIFT,
      danmaku: config.VILLA_POP_WEIGHT_DANMAKU,
      halfLifeMs: config.VILLA_POP_HALF_LIFE_MS,
    },
    snapshotMs: config.VILLA_LIST_SNAPSHOT_MS,
    snapshotTtlMs: config.VILLA_LIST_SNAPSHOT_TTL_MS,
  };
  const v: Villa = {
    categories: new CategoryStore(engines.docs),
    rooms: new RoomStore(engines.docs),
    sessions: new SessionStore(engines.docs),
    roles: new RoleStore(engines.docs),
    hot: engines.hot.redis ? openRedisHotRooms(engines.hot.redis, options) : openMemoryHotRooms(options),
    rules: { firstShortId: config.VILLA_FIRST_SHORT_ID },
  };
  await Promise.all([v.categories.init(), v.rooms.init(), v.sessions.init(), v.roles.init()]);
  return v;
}
