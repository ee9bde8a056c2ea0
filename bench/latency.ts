// Time from a failure upstream to the Slack message about it. A 200-flow world (60 Data Loader
// syncs) in the simulator's own process; the daemon (startDaemon, the real path) polls it every 5 s
// with groupWait 0 and sends to a fake Slack Web API. 50 sync failures are injected at random
// moments (seeded) over 60 s, each on a different sync; for each, the latency is injection →
// the fake Slack receiving a message that names that sync. Target: p99 ≤ interval + 1 s.
// Prints one JSON object as its last line (also bench/results/latency.json). Stops by itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFromString, formatProblem } from '../src/config/index.ts';
import { createLogger } from '../src/log.ts';
import { Random } from '../src/simulator/prng.ts';
import { keyspace } from '../src/state/keys.ts';
import { startDaemon } from '../workers/index.ts';
import { startFakeSlack } from '../test/fakes/slack.ts';
import { percentile, round, startRedis, startSimulatorProcess, writeResult } from './lib.ts';

const SEED = Number(process.env.BENCH_SEED ?? 8);
const FAILURES = 50;
const SPREAD_MS = 60_000;
const INTERVAL_S = 5;
const DRAIN_MS = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'syncwatch-bench-latency-'));
const scenarioFile = join(dir, 'world.json');
// 20 integrations × 10 flows = 200 flows; each integration has 3 syncs = 60 syncs; all quiet.
writeFileSync(
  scenarioFile,
  JSON.stringify({
    name: 'latency',
    base: 'default',
    seed: SEED,
    integrations: 20,
    flowsPerIntegration: 10,
    disabledFlows: 0,
    syncIntegrations: 20,
    syncsPerIntegration: 3,
    failedSyncs: 0,
    runningSyncs: 0,
    errorStepRatio: 0,
  }),
);

const redis = await startRedis();
const sim = await startSimulatorProcess(['--scenario', scenarioFile]);
const slack = await startFakeSlack();
const prefix = `bench-latency-${process.pid}`;
let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
try {
  const world = await sim.admin<{ flows: unknown[]; integrations: Array<{ syncIds: string[] }> }>('GET', 'world');
  const syncIds = world.integrations.flatMap((i) => i.syncIds);
  const yaml = `
redis: { url: "${redis.url}", prefix: ${prefix} }
server: { listen: "127.0.0.1:0" }
targets:
  - name: lat
    provider: celigo
    baseUrl: ${sim.url}
    token: sim-token
    interval: ${INTERVAL_S}s
    requestsPerSecond: 500
receivers:
  - name: slack
    slack: { token: xoxb-bench, channel: "#bench", apiUrl: "${slack.apiUrl}" }
route: { receiver: slack, groupBy: [target, kind, resource], groupWait: 0s, groupInterval: 1m }
`;
  const loaded = await loadConfigFromString(yaml, '(bench)', process.env);
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }, process.stderr as never);
  daemon = await startDaemon(loaded.config, { logger });

  // Failures start once the first cycle has set the baseline (nothing is failing before it).
  const targetKey = keyspace(prefix).target('lat');
  for (const deadline = Date.now() + 60_000; !(await redis.client.get(targetKey));) {
    if (Date.now() > deadline) throw new Error('the first cycle did not finish within 60 s');
    await new Promise((r) => setTimeout(r, 50));
  }

  const random = new Random(SEED);
  const pool = [...syncIds];
  const plan = Array.from({ length: FAILURES }, () => ({
    at: Math.floor(random.next() * SPREAD_MS),
    sync: pool.splice(Math.floor(random.next() * pool.length), 1)[0]!,
  })).sort((a, b) => a.at - b.at);
  const injectedAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  // Slack calls are recorded in order; look at each new one as soon as it is there.
  let seen = 0;
  const scan = () => {
    for (; seen < slack.calls.length; seen++) {
      const call = slack.calls[seen]!;
      if (call.method !== 'chat.postMessage' || call.answer.ok !== true) continue;
      const text = JSON.stringify(call.body);
      for (const sync of injectedAt.keys()) if (!arrivedAt.has(sync) && text.includes(sync)) arrivedAt.set(sync, performance.now());
    }
  };
  const scanner = setInterval(scan, 5);

  const start = performance.now();
  for (const { at, sync } of plan) {
    const wait = start + at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    injectedAt.set(sync, performance.now());
    await sim.admin('POST', `syncs/${sync}/fail`, { message: 'bench: injected failure' });
  }
  for (const deadline = performance.now() + DRAIN_MS; arrivedAt.size < FAILURES && performance.now() < deadline;)
    await new Promise((r) => setTimeout(r, 20));
  clearInterval(scanner);
  scan();

  const latencies = [...arrivedAt].map(([sync, t]) => (t - injectedAt.get(sync)!) / 1000);
  const p99 = percentile(latencies, 99);
  const result = {
    bench: 'latency',
    flows: world.flows.length,
    syncs: syncIds.length,
    seed: SEED,
    intervalSeconds: INTERVAL_S,
    groupWait: '0s',
    groupBy: ['target', 'kind', 'resource'],
    injected: FAILURES,
    delivered: latencies.length,
    lost: FAILURES - latencies.length,
    slackMessages: slack.delivered('chat.postMessage').length,
    seconds: {
      p50: round(percentile(latencies, 50), 2),
      p90: round(percentile(latencies, 90), 2),
      p99: round(p99, 2),
      max: round(Math.max(...latencies), 2),
      min: round(Math.min(...latencies), 2),
    },
    target: { p99AtMostSeconds: INTERVAL_S + 1, met: latencies.length === FAILURES && p99 <= INTERVAL_S + 1 },
  };
  writeResult('latency', result);
} finally {
  await daemon?.close();
  await slack.close();
  await sim.close();
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
}
