import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, TokenBucket } from '../../src/http/index.ts';
import { RecordingClock, sendJson, startServer } from './fixtures.ts';

describe('TokenBucket', () => {
  it('lets the burst through, then spaces requests at the sustained rate, in arrival order', async () => {
    const clock = new RecordingClock(0);
    const bucket = new TokenBucket({ requestsPerSecond: 10, burst: 3, clock });
    const grantedAt: Array<[number, number]> = [];
    await Promise.all(Array.from({ length: 6 }, (_, i) => bucket.acquire().then(() => grantedAt.push([i, clock.now()]))));
    expect(grantedAt).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 100],
      [4, 200],
      [5, 300],
    ]);
    expect(clock.sleeps).toEqual([100, 100, 100]);
  });

  it('refills while idle, but never beyond the burst', async () => {
    const clock = new RecordingClock(0);
    const bucket = new TokenBucket({ requestsPerSecond: 4, burst: 2, clock });
    await bucket.acquire();
    await bucket.acquire();
    await clock.sleep(10_000); // a long quiet period refills 2 tokens, not 40
    clock.sleeps.length = 0;
    for (let i = 0; i < 3; i++) await bucket.acquire();
    expect(clock.sleeps).toEqual([250]);
  });

  it('defaults the burst to the rate', async () => {
    const clock = new RecordingClock(0);
    const bucket = new TokenBucket({ requestsPerSecond: 5, clock });
    for (let i = 0; i < 6; i++) await bucket.acquire();
    expect(clock.sleeps).toEqual([200]);
  });

  it('drops an aborted waiter without disturbing the queue', async () => {
    const clock = new RecordingClock(0);
    const bucket = new TokenBucket({ requestsPerSecond: 1, burst: 1, clock });
    await bucket.acquire();
    const controller = new AbortController();
    const aborted = bucket.acquire(controller.signal);
    const next = bucket.acquire();
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    await next;
    expect(clock.now()).toBe(1000);
  });
});

describe('the client and its rate limiter', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('acquires a token before every request, retries included', async () => {
    const server = await startServer((_req, res, hit) => (hit === 1 ? sendJson(res, 503, {}) : sendJson(res, 200, {})));
    cleanups.push(() => server.close());
    let acquired = 0;
    const http = new HttpClient({
      target: 'test',
      baseUrl: server.origin,
      auth: { type: 'none' },
      clock: new RecordingClock(),
      rateLimiter: { acquire: async () => void acquired++ },
    });
    cleanups.push(() => http.close());
    await http.request({ path: '/a' });
    await http.request({ path: '/b' });
    expect(acquired).toBe(3);
  });

  it('paces requests beyond the burst with requestsPerSecond', async () => {
    const server = await startServer((_req, res) => sendJson(res, 200, {}));
    cleanups.push(() => server.close());
    const clock = new RecordingClock(0);
    const http = new HttpClient({
      target: 'test',
      baseUrl: server.origin,
      auth: { type: 'none' },
      clock,
      requestsPerSecond: 20,
      burst: 2,
    });
    cleanups.push(() => http.close());
    await Promise.all(Array.from({ length: 5 }, (_, i) => http.request({ path: `/r${i}` })));
    expect(clock.sleeps).toEqual([50, 50, 50]);
    expect(server.received).toHaveLength(5);
  });
});
