// The reference proxy: @fastify/http-proxy (undici underneath, no auth, no
// limits) in front of UPSTREAM. Prints its port.
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

const app = Fastify({ logger: false });
await app.register(proxy, { upstream: process.env.UPSTREAM, prefix: '/v1/rooms', rewritePrefix: '/v1/rooms' });
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.stdout.write(`${app.server.address().port}\n`);
