// A hostile upstream for chaos tests: an HTTP server whose answers can be malformed JSON, a body
// cut short (Content-Length promised, socket closed), a 50 MB body, or a body that trickles forever.
// Any other path is proxied to `fallback` (the simulator), so a daemon can poll through it.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ChaosMode = 'malformed' | 'truncated' | 'huge' | 'endless';

export interface ChaosUpstream {
  url: string;
  /** Requests answered per mode (and `proxied`). */
  counts: Record<ChaosMode | 'proxied', number>;
  /** Bytes written by `huge` and `endless` answers (what the client made us send). */
  bytesSent: number;
  /** Answers for paths matching `path` (regex), until `clear()`. */
  set(path: RegExp, mode: ChaosMode): void;
  clear(): void;
  close(): Promise<void>;
}

const MB = 1024 * 1024;

export async function startChaosUpstream(fallback?: string): Promise<ChaosUpstream> {
  let rule: { path: RegExp; mode: ChaosMode } | undefined;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state: Pick<ChaosUpstream, 'counts' | 'bytesSent'> = {
    counts: { malformed: 0, truncated: 0, huge: 0, endless: 0, proxied: 0 },
    bytesSent: 0,
  };

  const serve = (mode: ChaosMode, res: ServerResponse) => {
    state.counts[mode]++;
    switch (mode) {
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"flows": [ {"_id": "x", name: }');
        return;
      case 'truncated': {
        const body = '[{"_id":"5e00000000000000000000f1","name":"Orders","_integrationId":"5e0000000000000000000001"}';
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length + 500) });
        res.write(body);
        res.socket?.destroy();
        return;
      }
      case 'huge': {
        // 50 MB of valid-looking JSON, no Content-Length (chunked): only a running count can stop it.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.from(`${'{"_id":"x","name":"padding padding padding"},'.repeat(Math.floor(MB / 48))}`);
        let sent = 0;
        const pump = () => {
          while (sent < 50 * MB) {
            sent += chunk.length;
            state.bytesSent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end('{}]');
        };
        res.on('close', () => (sent = Infinity));
        res.write('[');
        pump();
        return;
      }
      case 'endless': {
        // Headers at once, then one byte every 50 ms, forever: never idle long enough for a body timeout.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('[');
        const t = setInterval(() => {
          state.bytesSent++;
          res.write(' ');
        }, 50);
        timers.add(t);
        res.on('close', () => {
          clearInterval(t);
          timers.delete(t);
        });
        return;
      }
    }
  };

  const proxy = (req: IncomingMessage, res: ServerResponse) => {
    if (!fallback) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"message":"no fallback"}');
      return;
    }
    state.counts.proxied++;
    const target = new URL(req.url ?? '/', fallback);
    const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (rule && rule.path.test(path)) serve(rule.mode, res);
    else proxy(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get counts() {
      return state.counts;
    },
    get bytesSent() {
      return state.bytesSent;
    },
    set(path, mode) {
      rule = { path, mode };
    },
    clear() {
      rule = undefined;
    },
    async close() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
