// Auto-retry throughput: 50,000 open intermittent errors (each with a retryDataKey) across 100 flow
// steps in the simulator's own process; the daemon (startDaemon: poll → retrier.plan → retry jobs →
// lock, list, claim in the ledger, POST …/retry in batches of ≤ 1,000) with one policy matching
// them all (minAge 0s). Reports records submitted per second and, from the simulator's own
// counts, that every key was submitted exactly once — also after a further poll cycle reconciled.
// Prints one JSON object as its last line (also bench/results/retry.json). Stops by itself.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFromString, formatProblem } from '../src/config/index.ts';
import { createLogger } from '../src/log.ts';
import { keyspace } from '../src/state/keys.ts';
import { startDaemon } from '../workers/index.ts';
import { round, startRedis, startSimulatorProcess, writeResult } from './lib.ts';

const STEPS = 100;
const PER_STEP = 500;
const RECORDS = STEPS * PER_STEP;
const INTERVAL_S = 5;
const DEADLINE_MS = 180_000;

type Stats = {
  total: number;
  byEndpoint: Record<string, Record<string, number>>;
  retryDataKeys: Record<string, { count: number; timestamps: string[] }>;
};

const dir = mkdtempSync(join(tmpdir(), 'syncwatch-bench-retry-'));
const scenarioFile = join(dir, 'world.json');
// 10 integrations × 10 flows × 1 step = 100 steps; no generated errors, no syncs.
writeFileSync(
  scenarioFile,
  JSON.stringify({
    name: 'retry',
    base: 'default',
    seed: 7,
    integrations: 10,
    flowsPerIntegration: 10,
    stepsPerFlow: 1,
    exportsPerFlow: 1,
    disabledFlows: 0,
    syncIntegrations: 0,
    failedSyncs: 0,
    runningSyncs: 0,
    errorStepRatio: 0,
  }),
);

const redis = await startRedis();
const sim = await startSimulatorProcess(['--scenario', scenarioFile]);
const prefix = `bench-retry-${process.pid}`;
let daemon: Awaited<ReturnType<typeof startDaemon>> | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
try {
  await sim.admin('POST', 'rate-limit', { burst: 1000, refillPerSecond: 1000 });
  const world = await sim.admin<{ flows: Array<{ _id: string; steps: Array<{ id: string }> }> }>('GET', 'world');
  const steps = world.flows.flatMap((f) => f.steps.map((s) => ({ flowId: f._id, stepId: s.id }))).slice(0, STEPS);
  if (steps.length !== STEPS) throw new Error(`the world has ${steps.length} steps, wanted ${STEPS}`);
  const occurredAt = new Date(Date.now() - 60_000).toISOString();
  for (const { flowId, stepId } of steps) {
    await sim.admin('POST', `flows/${flowId}/steps/${stepId}/errors`, {
      count: PER_STEP,
      classification: 'intermittent',
      withRetryDataKey: true,
      message: 'Read timed out',
      occurredAt,
      retryAt: null,
    });
  }
  await sim.admin('POST', 'stats/reset');

  const yaml = `
redis: { url: "${redis.url}", prefix: ${prefix} }
server: { listen: "127.0.0.1:0" }
targets:
  - name: retry
    provider: celigo
    baseUrl: ${sim.url}
    token: sim-token
    interval: ${INTERVAL_S}s
    requestsPerSecond: 1000
receivers: [{ name: log, log: {} }]
route: { receiver: log }
retryPolicies:
  - name: intermittent
    match: { classification: [intermittent] }
    action: retry
    minAge: 0s
    maxAttempts: 3
    budget: { recordsPerHour: ${RECORDS * 2} }
`;
  const loaded = await loadConfigFromString(yaml, '(bench)', process.env);
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }, process.stderr as never);

  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  daemon = await startDaemon(loaded.config, { logger });
  let stats: Stats;
  for (;;) {
    stats = await sim.admin<Stats>('GET', 'stats');
    if (Object.keys(stats.retryDataKeys).length >= RECORDS) break;
    if (performance.now() - started > DEADLINE_MS)
      throw new Error(`only ${Object.keys(stats.retryDataKeys).length} of ${RECORDS} keys submitted within ${DEADLINE_MS / 1000} s`);
    await sleep(250);
  }
  const allSubmittedSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const stamps = Object.values(stats.retryDataKeys).flatMap((k) => k.timestamps.map((t) => Date.parse(t)));
  const windowSeconds = (Math.max(...stamps) - Math.min(...stamps)) / 1000;

  // Let two more cycles pass (reconcile: the retried records are gone), then count again.
  const targetKey = keyspace(prefix).target('retry');
  const lastPoll = async () => (JSON.parse((await redis.client.get(targetKey)) ?? '{}') as { lastPollAt?: string }).lastPollAt;
  const at = await lastPoll();
  let cycles = 0;
  for (let seenPoll = at; cycles < 2 && performance.now() - started < DEADLINE_MS; await sleep(250)) {
    const now = await lastPoll();
    if (now !== seenPoll) {
      cycles++;
      seenPoll = now;
    }
  }
  stats = await sim.admin<Stats>('GET', 'stats');
  const counts = Object.values(stats.retryDataKeys).map((k) => k.count);
  const twice = counts.filter((n) => n > 1).length;
  const retryCalls = Object.entries(stats.byEndpoint)
    .filter(([e]) => e.includes('/retry'))
    .reduce((s, [, by]) => s + Object.values(by).reduce((a, b) => a + b, 0), 0);
  const openLeft = (
    await Promise.all(steps.slice(0, 10).map((s) => sim.admin<{ open: unknown[] }>('GET', `flows/${s.flowId}/steps/${s.stepId}/errors`)))
  ).reduce((n, r) => n + r.open.length, 0);
  const status = (await (await fetch(`${daemon.url}/status`)).json()) as {
    retryPolicies: Array<{ name: string; lastHour: Record<string, number> }>;
  };

  const result = {
    bench: 'retry',
    records: RECORDS,
    steps: STEPS,
    policy: { action: 'retry', minAge: '0s', classification: ['intermittent'] },
    secondsToSubmitAll: round(allSubmittedSeconds, 2),
    recordsPerSecond: Math.round(RECORDS / allSubmittedSeconds),
    submissionWindowSeconds: round(windowSeconds, 2),
    recordsPerSecondInWindow: windowSeconds > 0 ? Math.round(RECORDS / windowSeconds) : null,
    cpuMsPerRecord: round((cpu.user + cpu.system) / 1000 / RECORDS, 4),
    retryCalls,
    proof: {
      source: 'simulator GET /__sim/stats retryDataKeys, after two further poll cycles',
      distinctKeysSubmitted: counts.length,
      submissionsTotal: counts.reduce((a, b) => a + b, 0),
      keysSubmittedMoreThanOnce: twice,
      maxSubmissionsOfOneKey: Math.max(...counts),
      cyclesAfter: cycles,
      openErrorsLeftOnFirst10Steps: openLeft,
      ledgerLastHour: status.retryPolicies[0]?.lastHour,
    },
    met: counts.length === RECORDS && twice === 0,
  };
  writeResult('retry', result);
} finally {
  await daemon?.close();
  await sim.close();
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
}
