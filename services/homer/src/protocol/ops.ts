// Operation codes. Where goim has the operation, homer uses goim's number
// (auth 7/8, heartbeat 2/3, message 5, raw batch 9) so goim clients and tools
// read homer's frames; homer's own operations start at 20.
export const Op = {
  Heartbeat: 2,
  HeartbeatReply: 3,
  /** A message pushed to the client (goim's OpSendMsgReply). */
  Message: 5,
  Auth: 7,
  AuthReply: 8,
  /** goim's OpRaw: the body is several whole frames back to back. */
  Batch: 9,
  Join: 20,
  JoinReply: 21,
  Leave: 22,
  LeaveReply: 23,
  /** Client acknowledges unicast messages by id: {"ids": [n, …]}. */
  Ack: 24,
  /** Server's answer to an ack: {"removed", "unknown"}. */
  AckReply: 25,
  /** A unicast message to this user (body: the message, with `id` when it was stored). */
  Unicast: 26,
  /** Server notice, e.g. "reconnect elsewhere" while draining. */
  Notice: 30,
  /** Server error; unless stated otherwise the server closes after sending it. */
  Error: 31,
} as const;

export type OpCode = (typeof Op)[keyof typeof Op];

/** Operations a client may send; anything else is `unknown_op`. */
export const CLIENT_OPS: ReadonlySet<number> = new Set([Op.Heartbeat, Op.Auth, Op.Join, Op.Leave, Op.Ack]);

export const OP_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(Op).map(([name, code]) => [code, name]),
);
