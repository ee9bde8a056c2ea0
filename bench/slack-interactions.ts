// How fast POST /slack/interactions answers a click whose work is slow. Slack wants an answer
// within 3 s; the work (here a Retry now that takes RETRY_MS, standing in for a slow platform)
// must run after the answer. 100 signed Retry now clicks, one after another, against the real
// route behind the real HTTP server and a real Redis; the Slack Web API calls are recorded.
// Self-check: every click's work took at least RETRY_MS (else the measurement did not measure the
// slow path) and every answer came before its work finished. Prints one JSON object (also
// bench/results/slack-interactions.json).
import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import type { AlertEvent } from '../src/alert/model.ts';
import type { Config } from '../src/config/index.ts';
import { createInteractions } from '../src/interact/index.ts';
import { createLogger } from '../src/log.ts';
import { buttonValue } from '../src/notifiers/slack/interactive.ts';
import { startServer } from '../src/server.ts';
import { keyspace } from '../src/state/keys.ts';
import { deleteKeys, percentile, round, writeResult } from './lib.ts';

const CLICKS = 100;
const RETRY_MS = 1500;
const SECRET = 'bench-signing-secret';
const prefix = `bench-slack-${process.pid}`;
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const keys = keyspace(prefix);
const alert: AlertEvent = {
  fingerprint: 'FlowErrors:celigo/prod/step/f1/e1',
  status: 'firing',
  labels: {
    target: 'prod',
    provider: 'celigo',
    kind: 'FlowErrors',
    severity: 'warning',
    resource: 'celigo/prod/step/f1/e1',
    flow: 'f1',
    step: 'e1',
  },
  annotations: { summary: '3 new errors' },
  startsAt: new Date().toISOString(),
  transitionId: 'bench',
};
await redis.hset(keys.alerting.firing, alert.fingerprint, JSON.stringify(alert));
const done = new Map<string, number>();
const config = {
  receivers: [{ name: 'oncall', slack: { token: 'xoxb-bench', channel: 'C0BENCH', interactive: { signingSecret: SECRET } } }],
} as unknown as Pick<Config, 'receivers'>;
const interactions = createInteractions({
  config,
  redis,
  keys,
  logger: createLogger({ level: 'silent' }),
  retryNow: async () => {
    await new Promise((r) => setTimeout(r, RETRY_MS));
    return { submitted: 1, text: 'Submitted 1 record (policy bench).' };
  },
  api: () => ({
    update: async () => {},
    reply: async (_channel, _ts, text) => void done.set(/<@U0BENCH(\d+)>/.exec(text)?.[1] ?? text, performance.now()),
    groupMembers: async () => [],
  }),
});
const server = await startServer('127.0.0.1:0', {
  ready: async () => ({ ok: true, checks: {} }),
  status: async () => ({}),
  metrics: async () => ({ contentType: 'text/plain', body: '' }),
  routes: () => [interactions.routes],
});
try {
  const answers: number[] = [];
  const started = new Map<string, number>();
  for (let i = 0; i < CLICKS; i++) {
    const payload = {
      type: 'block_actions',
      user: { id: `U0BENCH${i}`, username: `click-${i}` },
      actions: [{ action_id: 'syncwatch_retry', block_id: 'b', value: buttonValue(alert), type: 'button', action_ts: String(i) }],
      container: { message_ts: '1.000001', channel_id: 'C0BENCH' },
      message: { ts: '1.000001', text: 'x', blocks: [] },
    };
    const body = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    const t0 = performance.now();
    started.set(String(i), t0);
    const res = await fetch(`${server.url}/slack/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature },
      body,
    });
    await res.text();
    answers.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`click ${i} answered ${res.status}`);
  }
  await interactions.settled();
  // Each click's reply names its user (U0BENCH<i>): from the click to its work's end.
  const work = [...started.entries()].map(([i, t0]) => (done.get(i) ?? Number.NaN) - t0);
  if (work.some((w) => !Number.isFinite(w))) throw new Error('a click got no reply');
  const workMin = Math.min(...work);
  const result = {
    bench: 'slack-interactions',
    clicks: CLICKS,
    retryMs: RETRY_MS,
    answerMsP50: round(percentile(answers, 50), 1),
    answerMsP99: round(percentile(answers, 99), 1),
    answerMsMax: round(Math.max(...answers), 1),
    workMsMin: round(workMin, 1),
    /** ≥ 1, else the work did not take the slow path the answer must not wait for. */
    workToLowerBound: round(workMin / RETRY_MS, 3),
  };
  writeResult('slack-interactions', result);
  if (!(result.workToLowerBound >= 1)) throw new Error('the measured work is shorter than its lower bound: the measurement is broken');
  if (result.answerMsMax >= 3000) throw new Error(`an answer took ${result.answerMsMax} ms: Slack wants one within 3 s`);
} finally {
  await server.close();
  await deleteKeys(redis, `{${prefix}}*`);
  redis.disconnect();
}
