// Message frames as clients receive them: one message is an Op.Message frame
// whose header sequence is the message's room sequence (low 32 bits; the
// body's `seq` is authoritative); several are one Op.Batch frame.
import type { RoomMessage } from '../stores/room-bus.js';
import { encodeBatch, encodeFrame } from './frame.js';
import { Op } from './ops.js';

export function messageFrame(message: RoomMessage): Buffer {
  return encodeFrame(Op.Message, message.seq, Buffer.from(JSON.stringify(message), 'utf8'));
}

/** The bytes to write for `messages`, serialised once for every receiver. */
export function messagesFrame(messages: readonly RoomMessage[]): Buffer {
  if (messages.length === 1) return messageFrame(messages[0]!);
  return encodeBatch(messages.map(messageFrame));
}

/** A unicast message frame from its stored JSON; the header sequence is its id (0 when not stored). */
export function unicastFrame(json: string, id: number | undefined): Buffer {
  return encodeFrame(Op.Unicast, id ?? 0, Buffer.from(json, 'utf8'));
}
