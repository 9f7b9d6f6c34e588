// A CDN push line for tests: a separate node-media-server process (its state
// is per process, so it cannot share trafficcop's). argv: rtmp port, data dir,
// and optionally a secret that turns on node-media-server's own signed-URL
// publish check (the benchmark's baseline refusal).
const NodeMediaServer = require('node-media-server');
const logger = require('node-media-server/src/core/logger.js');

logger.log = () => {};
const [port, dataDir, secret] = process.argv.slice(2);
const server = new NodeMediaServer({
  bind: '127.0.0.1',
  rtmp: { port: Number(port) },
  store: { path: dataDir },
  webadmin: { enable: false },
  ...(secret ? { auth: { publish: true, secret } } : {}),
});
server.run().then(() => {
  server.rtmpServer.tcpServer.on('listening', () => process.send?.('ready'));
  if (server.rtmpServer.tcpServer.listening) process.send?.('ready');
});
process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
