// Baseline for fan-out: Socket.IO as a Node developer would deploy it for
// bullet chat. Every client joins ROOM on connect; `POST /send
// {event, body}` broadcasts the body to the room (one encode, its
// pre-encoded WebSocket frame written to every member).
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const room = process.env.ROOM ?? 'big';
const http = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/send') return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const { event, body } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event: string; body: unknown };
    io.to(room).emit(event, body);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
const io = new Server(http, { transports: ['websocket'], serveClient: false });
io.on('connection', (socket) => void socket.join(room));
http.listen(Number(process.env.PORT), '127.0.0.1');
