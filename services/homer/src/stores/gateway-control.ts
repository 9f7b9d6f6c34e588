// Messages to every gateway node, over the hot state's pub/sub (in-process
// on memory, Redis on many nodes): unicast pushes, kicking a user, closing a
// room's connections. Each gateway acts on the users and rooms it holds.
//
// Delivery is at most once, like all hot-state pub/sub: a gateway that is
// not subscribed at that moment misses it. Unicast does not rely on it for
// safety (stored messages are loaded from the inbox on connect), and kicks
// and closes are for connections that exist now.
import type { HotState } from '@bamboo/engines';

export type ControlMessage =
  /** `json` is the message exactly as clients receive it (op 26). */
  | { kind: 'unicast'; uid: string; json: string }
  | { kind: 'kick'; uid: string; reason: string }
  | { kind: 'close_room'; room: string; reason: string };

export interface GatewayControl {
  publish(message: ControlMessage): Promise<void>;
  subscribe(handler: (message: ControlMessage) => void): Promise<() => Promise<void>>;
}

const CHANNEL = 'homer:gateways';

export function gatewayControl(hot: HotState): GatewayControl {
  return {
    publish: (message) => hot.publish(CHANNEL, JSON.stringify(message)),
    subscribe: (handler) => hot.subscribe(CHANNEL, (raw) => handler(JSON.parse(raw) as ControlMessage)),
  };
}
