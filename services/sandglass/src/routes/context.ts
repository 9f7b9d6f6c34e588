// What the route modules need from the process.
import type { Config } from '../config.js';
import type { Clock } from '../presence/clock.js';
import type { PresenceStore } from '../stores/presence.js';
import type { Records } from '../stores/records.js';
import type { Schemas } from './schemas.js';

export interface RouteDeps {
  config: Config;
  clock: Clock;
  store: PresenceStore;
  records: Records;
  schemas: Schemas;
}
