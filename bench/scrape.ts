// How long one /metrics scrape takes when Redis holds the state of 10,000 flows, beside the same
// scrape of 100 flows (the ratio shows what grows with the account). Each account is polled once
// for real (simulator → Watch → StateStore), then a process's view is loaded (its first scrape), and
// every timed scrape follows a save that changes 1% of the steps' open errors, as a steady cycle
// does, so it reads the feed and renders anew (the 1.5 s read cache never answers: the clock jumps).
// The benchmark checks its measurement: the timed view must equal a view loaded from scratch, the
// large account must show ~100× the series, and the ratio may not fall below its lower bound (1:
// a scrape of more series cannot be faster; below 0.98 the measurement is wrong and the run fails).
// Prints one JSON object as its last line (also bench/results/scrape.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { createLogger } from '../src/log.ts';
import { Metrics } from '../src/metrics/index.ts';
import { startSimulator, type ScenarioSpec } from '../src/simulator/index.ts';
import { keyspace } from '../src/state/keys.ts';
import type { StepSnapshot } from '../src/state/snapshot.ts';
import { StateStore } from '../src/state/store.ts';
import { Watch } from '../src/watch/watch.ts';

const SCRAPES = 7;
const TARGET_MS = 100;
/** The lowest ratio a correct measurement can show, less noise. */
const RATIO_FLOOR = 0.98;

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const WORLD = /^syncwatch_(run_status|run_last_success_timestamp_seconds|flow_open_errors)\{/;
const worldLines = (body: string) =>
  body
    .split('\n')
    .filter((l) => WORLD.test(l))
    .sort();

interface Measured {
  flows: number;
  seriesLines: number;
  bodyBytes: number;
  /** The first scrape of a process: loads every snapshot once (what every scrape cost before the view). */
  loadMs: number;
  /** Median of the scrapes after a save that changed 1% of the steps: wall time, and this process's CPU time. */
  scrapeMs: number;
  scrapeCpuMs: number;
  changedPerScrape: number;
  /** Alerts in the firing index, counted by every scrape. */
  firingAlerts: number;
}

async function measure(tag: string, scenario: ScenarioSpec | 'large'): Promise<Measured> {
  const prefix = `bench-scrape-${tag}-${process.pid}`;
  const keys = keyspace(prefix);
  const store = new StateStore(redis, keys);
  const sim = await startSimulator({ port: 0, scenario, rateLimit: { burst: 1_000_000, refillPerSecond: 1_000_000 } });
  const target = {
    name: 'acct',
    provider: 'celigo' as const,
    baseUrl: sim.url,
    token: 'sim-token',
    interval: 60_000,
    requestsPerSecond: 5000,
    failuresBeforeAlert: 3,
  };
  const watch = new Watch({ targets: [target], redis, keys, store, logger: createLogger({ level: 'silent' }) });
  let clock = Date.now();
  const now = () => clock;
  const metricsOf = () => new Metrics({ redis, keys, targets: [{ name: 'acct', interval: 60_000 }], now });
  try {
    // The cycle's firing alerts go into alerting's firing index as its ingest writes them (one entry
    // per fingerprint): /metrics counts them at every scrape (~1,500 in the large account).
    let firing = 0;
    await watch.cycle('acct', String(Date.now()), {
      chunks: async () => {},
      events: async (events) => {
        const pipeline = redis.pipeline();
        for (const e of events) if (e.status === 'firing') pipeline.hset(keys.alerting.firing, e.fingerprint, JSON.stringify(e));
        firing += events.filter((e) => e.status === 'firing').length;
        await pipeline.exec();
      },
    });
    const flows = sim.world.flows.length;
    const metrics = metricsOf();
    let started = process.hrtime.bigint();
    await metrics.scrape();
    clock += 10_000;
    const loadMs = Number(process.hrtime.bigint() - started) / 1e6;

    const stepKeys = (await store.snapshotKeys('acct')).filter((k) => k.split('/').length === 5);
    const changed = Math.max(1, Math.round(stepKeys.length / 100));
    const times: number[] = [];
    const cpu: number[] = [];
    let body = '';
    for (let i = 0; i < SCRAPES; i++) {
      const some = stepKeys.slice(i * changed, (i + 1) * changed);
      const { snapshots, raw } = await store.loadSnapshots('acct', [], some);
      const steps: Record<string, StepSnapshot> = {};
      for (const k of some) steps[k] = { ...snapshots.steps[k]!, openErrors: (snapshots.steps[k]?.openErrors ?? 0) + 1 };
      await store.save('acct', { runs: {}, steps }, raw);
      clock += 10_000; // past the read cache
      started = process.hrtime.bigint();
      const cpuBefore = process.cpuUsage();
      body = (await metrics.scrape()).body;
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      const used = process.cpuUsage(cpuBefore);
      cpu.push((used.user + used.system) / 1000);
    }
    // What was timed is the truth: a process loading everything now shows the very same series.
    clock += 10_000;
    const fresh = worldLines((await metricsOf().scrape()).body);
    const timed = worldLines(body);
    if (timed.length === 0 || timed.join('\n') !== fresh.join('\n'))
      throw new Error(`bench invalid: the timed view (${timed.length} series) differs from a fresh load (${fresh.length})`);
    return {
      flows,
      seriesLines: timed.length,
      bodyBytes: Buffer.byteLength(body),
      loadMs: Math.round(loadMs),
      scrapeMs: Math.round(median(times) * 10) / 10,
      scrapeCpuMs: Math.round(median(cpu) * 10) / 10,
      changedPerScrape: changed,
      firingAlerts: firing,
    };
  } finally {
    await watch.close();
    await sim.close();
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${keys.prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (found.length) await redis.del(...found);
    } while (cursor !== '0');
  }
}

try {
  // The large account (500 integrations × 20 flows, 3 steps each) and one a hundredth of its size.
  const large = await measure('large', 'large');
  const small = await measure('small', {
    base: 'large',
    integrations: 5,
    disabledFlows: 2,
    syncIntegrations: 1,
    syncsPerIntegration: 1,
    failedSyncs: 1,
    runningSyncs: 0,
    partialSyncs: 0,
  });
  const ratio = Math.round((large.scrapeMs / small.scrapeMs) * 100) / 100;
  const seriesRatio = large.seriesLines / small.seriesLines;
  const problems: string[] = [];
  if (large.flows !== 10_000 || small.flows !== 100)
    problems.push(`accounts of ${large.flows} and ${small.flows} flows, not 10,000 and 100`);
  if (seriesRatio < 50 || seriesRatio > 200)
    problems.push(`the large account shows ${seriesRatio.toFixed(1)}× the series of the small one, not ~100×`);
  if (ratio < RATIO_FLOOR) problems.push(`scrape ratio ${ratio} below its lower bound 1 (more series cannot scrape faster)`);
  const result = {
    bench: 'scrape',
    flows: large.flows,
    seriesLines: large.seriesLines,
    bodyBytes: large.bodyBytes,
    scrapeMs: large.scrapeMs,
    scrapeCpuMs: large.scrapeCpuMs,
    scrapeMsTarget: TARGET_MS,
    met: large.scrapeMs <= TARGET_MS,
    smallFlows: small.flows,
    smallSeriesLines: small.seriesLines,
    smallScrapeMs: small.scrapeMs,
    smallScrapeCpuMs: small.scrapeCpuMs,
    ratio,
    ratioLowerBound: 1,
    viewLoadMs: large.loadMs,
    smallViewLoadMs: small.loadMs,
    stepsChangedBeforeEachScrape: large.changedPerScrape,
    firingAlerts: large.firingAlerts,
    scrapes: SCRAPES,
    /** The machine's 1-minute load average per core when the run ended (figures are wall time). */
    loadPerCore: Math.round((loadavg()[0]! / availableParallelism()) * 10) / 10,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/scrape.json', import.meta.url), `${JSON.stringify(result)}\n`);
  if (problems.length > 0) {
    console.error(`bench scrape: the measurement is wrong:\n  ${problems.join('\n  ')}`);
    console.log(JSON.stringify(result));
    process.exitCode = 1;
  } else {
    console.log(JSON.stringify(result));
  }
} finally {
  redis.disconnect();
}
