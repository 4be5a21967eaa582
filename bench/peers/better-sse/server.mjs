// better-sse (Node) behind the bench's small HTTP contract, as a competent user would write it:
// one channel for the broadcast, one session per stream. usage: node server.mjs <port>
import http from 'node:http';
import { createSession, createChannel } from 'better-sse';

const port = Number(process.argv[2]);
const channel = createChannel();
const idle = new Set();
const options = { serializer: String, keepAlive: null };

function payload(i, size) {
  const head = `${Date.now()}:${i}:`;
  return head + 'x'.repeat(Math.max(0, size - head.length));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const q = (name, fallback) => Number(url.searchParams.get(name) ?? fallback);
  try {
    switch (url.pathname) {
      case '/starter/subscribe': {
        channel.register(await createSession(req, res, options));
        return;
      }
      case '/starter/broadcast': {
        const n = q('n', 0);
        const interval = q('intervalMillis', 0);
        const start = Date.now();
        for (let i = 0; i < n; i++) {
          const due = start + i * interval;
          if (due > Date.now()) await sleep(due - Date.now());
          channel.broadcast(payload(i, q('size', 64)));
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ publishMillis: Date.now() - start }));
        return;
      }
      case '/starter/tokens': {
        const session = await createSession(req, res, options);
        const n = q('n', 0);
        for (let i = 0; i < n; i++) {
          if (!session.isConnected) return;
          session.push('tok' + i, 'token');
          // Let the socket drain when Node's buffer is full, as a careful user would.
          if (res.writableNeedDrain) await new Promise((resolve) => res.once('drain', resolve));
        }
        res.end();
        return;
      }
      case '/starter/delayed': {
        const session = await createSession(req, res, options);
        await sleep(q('ms', 0));
        session.push('first');
        res.end();
        return;
      }
      case '/starter/idle': {
        const session = await createSession(req, res, options);
        idle.add(res);
        session.on('disconnected', () => idle.delete(res));
        return;
      }
      case '/bench/release': {
        for (const r of idle) r.end();
        idle.clear();
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ starterOpen: channel.sessionCount + idle.size }));
        return;
      }
      case '/bench/state': {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ starterOpen: channel.sessionCount + idle.size }));
        return;
      }
      case '/bench/heap': {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        // Started with --expose-gc by bench/peers.sh: collect first, like the JVM peers.
        if (globalThis.gc) globalThis.gc();
        const memory = process.memoryUsage();
        res.end(JSON.stringify({ used: memory.heapUsed, rss: memory.rss }));
        return;
      }
      default:
        res.writeHead(404);
        res.end();
    }
  } catch (e) {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
});
server.maxConnections = 20000;
server.listen(port, '127.0.0.1');
