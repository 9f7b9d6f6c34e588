// What villa's domain functions work over: its stores and its rules.
import type { CategoryStore } from '../stores/categories.js';
import type { HotRooms } from '../stores/hot-rooms.js';
import type { RoleStore } from '../stores/roles.js';
import type { RoomStore } from '../stores/rooms.js';
import type { SessionStore } from '../stores/sessions.js';

export interface Rules {
  firstShortId: number;
}

export interface Villa {
  categories: CategoryStore;
  rooms: RoomStore;
  sessions: SessionStore;
  roles: RoleStore;
  hot: HotRooms;
  rules: Rules;
}
