// Overload control for one window: a group of connections gets at most
// `budget` messages per window. High-priority messages (gifts, system
// notices, moderation) always go; the slots left go to normal (chat), then
// to low (effects), each sampled evenly across the window when it has more
// than fit, so what is shown still spans the whole window.
import type { RoomMessage } from '../stores/room-bus.js';

export interface Budgeted {
  kept: RoomMessage[];
  sampled: number;
}

export function applyBudget(messages: RoomMessage[], budget: number): Budgeted {
  if (messages.length <= budget) return { kept: messages, sampled: 0 };
  let high = 0;
  let normal = 0;
  for (const m of messages) {
    if (m.priority === 'high') high++;
    else if (m.priority === 'normal') normal++;
  }
  const low = messages.length - high - normal;
  const normalSlots = Math.min(normal, Math.max(0, budget - high));
  const lowSlots = Math.min(low, Math.max(0, budget - high - normalSlots));
  const takeNormal = evenly(normal, normalSlots);
  const takeLow = evenly(low, lowSlots);
  const kept: RoomMessage[] = [];
  let n = 0;
  let l = 0;
  for (const m of messages) {
    if (m.priority === 'high') kept.push(m);
    else if (m.priority === 'normal') {
      if (takeNormal(n++)) kept.push(m);
    } else if (takeLow(l++)) kept.push(m);
  }
  return { kept, sampled: messages.length - kept.length };
}

/** Whether the i-th of n items is among `keep` spread evenly over them. */
function evenly(n: number, keep: number): (i: number) => boolean {
  if (keep >= n) return () => true;
  if (keep <= 0) return () => false;
  // Item i is kept when the running quota ⌊(i+1)·keep/n⌋ steps up at i.
  return (i) => Math.floor(((i + 1) * keep) / n) > Math.floor((i * keep) / n);
}

/** Two seq-ordered lists merged in seq order. */
export function mergeBySeq(a: readonly RoomMessage[], b: readonly RoomMessage[]): RoomMessage[] {
  const out: RoomMessage[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.seq < b[j]!.seq)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** Whether a connection in `shard`, of user `uid`, is meant to get the message. */
export function visibleTo(message: RoomMessage, shard: number, uid: string | undefined): boolean {
  switch (message.range) {
    case undefined:
      return true;
    case 'shard':
      return message.shard === shard;
    default:
      return uid !== undefined && message.to === uid;
  }
}
