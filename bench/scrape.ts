// How long one /metrics scrape takes when Redis holds the state of 10,000 flows.
// Prints one JSON object as its last line (also bench/results/scrape.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { createLogger } from '../src/log.ts';
import { Metrics } from '../src/metrics/index.ts';
import { startSimulator } from '../src/simulator/index.ts';
import { keyspace } from '../src/state/keys.ts';
import { StateStore } from '../src/state/store.ts';
import { Watch } from '../src/watch/watch.ts';

const prefix = `bench-scrape-${process.pid}`;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const keys = keyspace(prefix);
const sim = await startSimulator({ port: 0, scenario: 'large', rateLimit: { burst: 1_000_000, refillPerSecond: 1_000_000 } });
const target = {
  name: 'large',
  provider: 'celigo' as const,
  baseUrl: sim.url,
  token: 'sim-token',
  interval: 60_000,
  requestsPerSecond: 5000,
  failuresBeforeAlert: 3,
};
const watch = new Watch({ targets: [target], redis, keys, store: new StateStore(redis, keys), logger: createLogger({ level: 'silent' }) });
try {
  await watch.cycle('large', String(Date.now()), { chunks: async () => {}, events: async () => {} });
  const flows = sim.world.flows.length;
  const perStepTimes: number[] = [];
  const perFlowTimes: number[] = [];
  let lines = 0;
  for (const [perStep, times] of [
    [true, perStepTimes],
    [false, perFlowTimes],
  ] as const) {
    for (let i = 0; i < 5; i++) {
      const metrics = new Metrics({ redis, keys, targets: [{ name: 'large', interval: 60_000, perStep }], defaultMetrics: false });
      const started = process.hrtime.bigint();
      const { body } = await metrics.scrape();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (perStep) lines = body.split('\n').length;
    }
  }
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  const result = {
    bench: 'scrape',
    flows,
    seriesLines: lines,
    scrapeMsMedianPerStep: Math.round(median(perStepTimes)),
    scrapeMsMedianPerFlow: Math.round(median(perFlowTimes)),
    uncachedScrapes: perStepTimes.length + perFlowTimes.length,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/scrape.json', import.meta.url), `${JSON.stringify(result)}\n`);
  console.log(JSON.stringify(result));
} finally {
  await watch.close();
  await sim.close();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.del(...found);
  } while (cursor !== '0');
  redis.disconnect();
}
