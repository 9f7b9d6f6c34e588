// Baseline for memory per connection: a bare `ws` server that accepts
// WebSocket connections on PORT and keeps them (its own client tracking).
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ port: Number(process.env.PORT), host: '127.0.0.1', perMessageDeflate: false });
wss.on('connection', (ws) => ws.on('error', () => undefined));
