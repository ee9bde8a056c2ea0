// A webhook receiver on loopback that records raw bodies and headers. `hold()` makes it take
// requests (recorded: the receiver has them) without ever answering, until `release()`.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeWebhook {
  url: string;
  requests: Array<{ raw: string; headers: IncomingHttpHeaders; body: any }>;
  hold(): void;
  release(): void;
  /** Requests taken and not answered yet. */
  held(): number;
  close(): Promise<void>;
}

export async function startFakeWebhook(): Promise<FakeWebhook> {
  const requests: FakeWebhook['requests'] = [];
  let holding = false;
  const heldAnswers: Array<() => void> = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    requests.push({ raw, headers: req.headers, body: JSON.parse(raw) });
    if (holding) heldAnswers.push(() => void res.writeHead(200).end('ok'));
    else res.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    hold: () => void (holding = true),
    release() {
      holding = false;
      for (const answer of heldAnswers.splice(0)) answer();
    },
    held: () => heldAnswers.length,
    close: () =>
      new Promise<void>((r) => {
        heldAnswers.length = 0;
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
