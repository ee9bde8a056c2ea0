// The PagerDuty receiver (Events API v2) against a fake that validates events as documented: the
// events of a notification (pure), fire → one trigger and resolve → one resolve through the real
// pipeline, a receiver down and back (retried, delivered once), 429 with Retry-After, 400 dropped
// (not retried), counted and logged once without the routing key, `test-alert`, and the config.
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlertEvent, Notification } from '../../src/alert/model.ts';
import { deliveryRetryPlan } from '../../src/alerting/retry.ts';
import { sendTestAlert } from '../../src/alerting/test-alert.ts';
import { loadConfigFromString, formatProblem } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { alertFingerprint } from '../../src/alert/alertmanager.ts';
import { dedupKeyOf } from '../../src/notifiers/pagerduty/event.ts';
import { PAGERDUTY_LIMITS, pagerdutyEvents } from '../../src/notifiers/pagerduty/index.ts';
import { staticGuarantee } from '../../src/notifiers/registry.ts';
import { startFakePagerDuty, validateEvent, type FakePagerDuty } from '../fakes/pagerduty.ts';
import { waitFor } from '../fakes/wait.ts';
import { alertOf, HOSTILE_ERROR } from '../alerting/fixtures.ts';
import { route, startPipeline, type Pipeline } from '../alerting/harness.ts';
import { deliverOnSimulatedClock } from '../alerting/simulated-clock.ts';
import { runCli, writeConfig } from '../harness/daemon.ts';

const KEY = 'R0123456789abcdef0123456789abcde'; // 32 characters, as PagerDuty's integration keys
const BAD_KEY = KEY.slice(1); // 31: PagerDuty answers 400 "invalid event"

let pd: FakePagerDuty;
let p: Pipeline | undefined;
beforeAll(async () => {
  pd = await startFakePagerDuty();
});
afterAll(() => pd.close());
afterEach(async () => {
  await p?.close();
  p = undefined;
  pd.calls.length = 0;
  pd.pages.length = 0;
  pd.alerts.clear();
  pd.recover();
});

const receiver = (routingKey = KEY) => ({ name: 'pd', pagerduty: { routingKey, url: pd.url } });
const pipeline = (tag: string, routingKey = KEY) =>
  startPipeline(`pagerduty-${tag}-${process.pid}`, {
    receivers: [receiver(routingKey)],
    route: route({ receiver: 'pd', groupWait: 0, groupInterval: 300, groupBy: ['target', 'kind'] }),
  });

function notification(over: Partial<Notification> & Pick<Notification, 'alerts'>): Notification {
  return {
    groupId: 'g1',
    groupKey: '{}:{kind="SyncFailed"}',
    receiver: 'pd',
    seq: 1,
    groupLabels: { kind: 'SyncFailed' },
    status: 'firing',
    reason: 'new',
    transitions: over.alerts,
    createdAt: '2026-05-01T10:00:05.000Z',
    externalURL: 'https://syncwatch.example.com',
    ...over,
  };
}

describe('events of a notification (pure)', () => {
  const a = alertOf('SyncFailed', { id: 'a', link: 'https://integrator.io/flows/a' });
  const b = alertOf('FlowErrors', { id: 'b' });

  it('one trigger per firing alert: dedup_key = the alert identity (kind and resource), severity mapped, links, bounded details', () => {
    const events = pagerdutyEvents(notification({ alerts: [a, b] }), { routingKey: KEY });
    expect(events.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ['trigger', dedupKeyOf(a)],
      ['trigger', dedupKeyOf(b)],
    ]);
    expect(events[0]).toMatchObject({
      routing_key: KEY,
      client: 'syncwatch',
      client_url: 'https://syncwatch.example.com/',
      links: [
        { href: 'https://integrator.io/flows/a', text: 'Open in the platform' },
        { href: 'https://syncwatch.example.com/', text: 'syncwatch console' },
      ],
      payload: {
        summary: 'SyncFailed · Orders a (celigo-prod): flow Orders a failed',
        source: 'celigo-prod',
        severity: 'critical',
        component: 'Orders a',
        group: 'int1',
        class: 'SyncFailed',
        timestamp: a.startsAt,
        custom_details: { error: 'HTTP 500 from NetSuite', counts: { read: 120, written: 100, failed: 20 } },
      },
    });
    expect(events[1]!.payload).toMatchObject({ severity: 'warning', custom_details: { samples: expect.any(Array) } });
    for (const e of events) expect(validateEvent(JSON.stringify(e)), 'valid at the fake').toEqual([]);
  });

  it.each([
    ['critical', 'critical'],
    ['warning', 'warning'],
    ['info', 'info'],
  ] as const)('severity %s → %s', (ours, theirs) => {
    const alert: AlertEvent = { ...a, labels: { ...a.labels, severity: ours } };
    expect(pagerdutyEvents(notification({ alerts: [alert] }), { routingKey: KEY })[0]!.payload!.severity).toBe(theirs);
  });

  it('a resolved alert → a resolve with the same dedup_key; an update sends only what changed', () => {
    const resolved = alertOf('SyncFailed', { id: 'a', status: 'resolved' });
    expect(dedupKeyOf(resolved)).toBe(dedupKeyOf(a));
    expect(dedupKeyOf(a)).toBe('SyncFailed:celigo/celigo-prod/flow/a');
    expect(pagerdutyEvents(notification({ alerts: [resolved], status: 'resolved' }), { routingKey: KEY })).toEqual([
      { routing_key: KEY, event_action: 'resolve', dedup_key: dedupKeyOf(a) },
    ]);
    const update = notification({ alerts: [a, resolved, b], transitions: [resolved], reason: 'update' });
    expect(pagerdutyEvents(update, { routingKey: KEY }).map((e) => e.event_action)).toEqual(['resolve']);
  });

  it('a flow renamed (or its severity reconfigured) between fire and resolve: the resolve still closes the PagerDuty alert', () => {
    const renamed: AlertEvent = {
      ...alertOf('SyncFailed', { id: 'a', status: 'resolved' }),
      annotations: { ...a.annotations, name: 'Orders (renamed)' },
    };
    const reconfigured: AlertEvent = { ...renamed, labels: { ...renamed.labels, severity: 'warning' } };
    expect(alertFingerprint(renamed), 'the Alertmanager fingerprint moves with the name').not.toBe(alertFingerprint(a));
    for (const resolved of [renamed, reconfigured])
      expect(pagerdutyEvents(notification({ alerts: [resolved], status: 'resolved' }), { routingKey: KEY })).toEqual([
        { routing_key: KEY, event_action: 'resolve', dedup_key: dedupKeyOf(a) },
      ]);
  });

  it('a 1 MB error and 500 samples stay far below 512 KB; the summary within 1024 characters', () => {
    const huge = alertOf('FlowErrors', { id: 'huge', error: HOSTILE_ERROR + 'x'.repeat(1024 * 1024) });
    huge.annotations.summary = 's'.repeat(5000);
    huge.annotations.samples = Array.from({ length: 500 }, (_, i) => ({ errorId: `e${i}`, message: 'm'.repeat(10_000) }));
    const [event] = pagerdutyEvents(notification({ alerts: [huge] }), { routingKey: KEY, source: 'etl' });
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(64 * 1024);
    expect(event!.payload!.summary.length).toBeLessThanOrEqual(PAGERDUTY_LIMITS.summary);
    expect(event!.payload!.source).toBe('etl');
    expect((event!.payload!.custom_details!.samples as unknown[]).length).toBe(PAGERDUTY_LIMITS.samples);
    expect(event!.payload!.custom_details!.samplesOmitted).toBe(490);
    expect(validateEvent(JSON.stringify(event))).toEqual([]);
  });

  it('a test notification triggers and at once resolves its test alert', () => {
    const events = pagerdutyEvents(notification({ alerts: [a], reason: 'test' }), { routingKey: KEY });
    expect(events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(events[0]!.payload!.summary).toMatch(/^\[TEST\] /);
  });
});

describe('through the pipeline', () => {
  it('fire → one trigger (one page); resolve → one resolve with the same dedup_key', async () => {
    p = await pipeline('fire-resolve');
    const firing = alertOf('SyncFailed', { id: 'fr' });
    await p.alerting.ingest([firing]);
    await waitFor('the trigger', () => pd.accepted('trigger').length === 1);
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'fr', status: 'resolved' })]);
    await waitFor('the resolve', () => pd.accepted('resolve').length === 1);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(pd.calls.map((c) => [c.status, c.body.event_action, c.body.dedup_key])).toEqual([
      [202, 'trigger', dedupKeyOf(firing)],
      [202, 'resolve', dedupKeyOf(firing)],
    ]);
    expect(pd.pages).toEqual([dedupKeyOf(firing)]);
    expect(pd.alerts.get(dedupKeyOf(firing))).toBe('resolved');
    expect(p.outcomes).toEqual([
      ['pd', 'success'],
      ['pd', 'success'],
    ]);
  });

  it('PagerDuty down (503) for a while, then back: retried with backoff, the trigger delivered once, one page', async () => {
    p = await pipeline('down');
    pd.down();
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'dn' })]);
    await waitFor('five refused attempts', () => pd.calls.filter((c) => c.status === 503).length >= 5);
    expect(p.lines.filter((l) => l.msg === 'delivery failed; will retry').length).toBeGreaterThanOrEqual(4);
    pd.recover();
    await waitFor('the trigger', () => pd.accepted('trigger').length >= 1);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(pd.accepted()).toHaveLength(1);
    expect(pd.pages).toHaveLength(1);
    expect(p.outcomes.filter(([, o]) => o === 'success')).toHaveLength(1);
    expect(p.outcomes.filter(([, o]) => o === 'dropped')).toHaveLength(0);
  });

  it('429 with Retry-After: the next attempt waits at least that long, then the trigger is delivered once', async () => {
    p = await pipeline('429');
    pd.failNext(1, { status: 429, retryAfter: 1 });
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'rl' })]);
    await waitFor('the trigger', () => pd.accepted('trigger').length === 1);
    const retry = p.lines.find((l) => l.msg === 'delivery failed; will retry');
    expect(retry).toMatchObject({ err: { code: '429' } });
    expect(retry!.retryInMs).toBeGreaterThanOrEqual(1000);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(pd.pages).toHaveLength(1);
  });

  it('a group of three alerts, PagerDuty answers 429 at the second event: the retry resumes there (the first is not sent again)', async () => {
    p = await pipeline('resume');
    pd.failNext(1, { status: 429, retryAfter: 0 }, 1);
    await p.alerting.ingest(['r1', 'r2', 'r3'].map((id) => alertOf('SyncFailed', { id })));
    await waitFor('three triggers', () => pd.accepted('trigger').length === 3);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(pd.calls.map((c) => c.status)).toEqual([202, 429, 202, 202]);
    expect(new Set(pd.accepted('trigger').map((c) => c.body.dedup_key)).size).toBe(3);
    expect(pd.pages).toHaveLength(3);
  });

  it('400 invalid event: dropped, not retried, counted as dropped, logged once, without the routing key', async () => {
    p = await pipeline('400', BAD_KEY);
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'bad' })]);
    await waitFor('the drop', () => p!.outcomes.some(([, o]) => o === 'dropped'));
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(pd.calls.map((c) => c.status)).toEqual([400]);
    expect(p.outcomes).toEqual([['pd', 'dropped']]);
    expect(p.drops).toEqual([['pd', 'invalid_event']]);
    const drops = p.lines.filter((l) => /notification dropped/.test(String(l.msg)));
    expect(drops).toHaveLength(1);
    expect(drops[0]!.err).toMatchObject({ code: 'invalid_event', message: expect.stringContaining("'routing_key'") });
    expect(JSON.stringify(p.lines)).not.toContain(BAD_KEY);
  });
});

describe('the receiver down 2 minutes with the default retry schedule', () => {
  it('the real pipeline on a simulated clock: every attempt within the 2 minutes refused, the first after them delivers, once', async () => {
    const { attempts, outcomes } = await deliverOnSimulatedClock({
      tag: `pagerduty-2min-${process.pid}`,
      receiver: receiver(),
      alert: alertOf('SyncFailed', { id: 'two-minutes' }),
      before: (t) => (t < 120_000 ? pd.down() : pd.recover()),
    });
    // 0, 1, 3, 7, 15, 31, 63 s refused; 127 s delivered.
    const refused = attempts.filter((a) => a.result === 'will retry');
    expect(refused.length).toBeGreaterThanOrEqual(7);
    expect(refused.every((a) => a.at < 120_000)).toBe(true);
    expect(pd.calls.filter((c) => c.status === 503)).toHaveLength(refused.length);
    const last = attempts.at(-1)!;
    expect(last.result).toBe('sent');
    expect(last.at).toBeGreaterThanOrEqual(120_000);
    expect(last.at).toBeLessThanOrEqual(120_000 + 15 * 60_000);
    expect(pd.accepted('trigger')).toHaveLength(1);
    expect(pd.pages).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'success')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'dropped')).toHaveLength(0);
  });

  it('is still retried after 2 minutes (24 h window), and the first attempt after it comes within the 15-minute cap', () => {
    const plan = deliveryRetryPlan();
    let at = 0;
    let attempt = 1;
    while (at < 120_000) at += plan.delayAfter(attempt++);
    expect(attempt).toBeLessThan(plan.attempts);
    expect(at - 120_000).toBeLessThanOrEqual(15 * 60_000);
  });
});

describe('test-alert and configuration', () => {
  function collect() {
    const lines: string[] = [];
    const logger = createLogger(
      { level: 'debug' },
      new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    return { lines, logger };
  }

  it('syncwatch test-alert: a trigger and its resolve reach PagerDuty; the guarantee is at-least-once, repeats harmless', async () => {
    const { lines, logger } = collect();
    const { guarantee } = await sendTestAlert({ receivers: [receiver()] }, 'pd', { logger });
    expect(pd.calls.map((c) => [c.status, c.body.event_action])).toEqual([
      [202, 'trigger'],
      [202, 'resolve'],
    ]);
    expect(pd.calls[0]!.body.payload.summary).toMatch(/^\[TEST\]/);
    expect(guarantee).toMatchObject({ guarantee: 'at-least-once', why: expect.stringMatching(/dedup_key.*never pages twice/) });
    expect(staticGuarantee(receiver())).toEqual(guarantee);
    expect(lines.join('')).not.toContain(KEY);
  });

  it('`syncwatch test-alert --receiver pd` (the command): exit 0, says sent and at-least-once; the key in no output', async () => {
    const c = writeConfig({
      targets: [{ name: 'prod', provider: 'celigo', token: 't' }],
      receivers: [receiver()],
      route: { receiver: 'pd' },
    });
    try {
      const r = await runCli(['test-alert', '--config', c.file, '--receiver', 'pd']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('test alert sent to pd');
      expect(r.stdout).toMatch(/receiver pd: delivery is at-least-once: .*dedup_key/);
      expect(pd.accepted().map((c) => c.body.event_action)).toEqual(['trigger', 'resolve']);
      expect(r.stdout + r.stderr).not.toContain(KEY);
    } finally {
      c.remove();
    }
  }, 60_000);

  it('test-alert against an invalid key throws a NotifyError that names the problem, not the key', async () => {
    const { logger } = collect();
    const err = await sendTestAlert({ receivers: [receiver(BAD_KEY)] }, 'pd', { logger }).then(
      () => new Error('expected a refusal'),
      (e: unknown) => e as Error,
    );
    expect(err).toMatchObject({ name: 'NotifyError', retryable: false, code: 'invalid_event' });
    expect(err.message).not.toContain(BAD_KEY);
  });

  const yaml = (pagerduty: string) =>
    [
      'targets: [{ name: prod, provider: celigo, token: t }]',
      'receivers:',
      '  - name: pd',
      `    pagerduty: ${pagerduty}`,
      'route: { receiver: pd }',
      '',
    ].join('\n');

  it('loads a pagerduty receiver; a routing key of the wrong length is a problem at its line', async () => {
    const ok = await loadConfigFromString(yaml(`{ routingKey: ${KEY} }`), 'syncwatch.yaml', {});
    if (!ok.ok) throw new Error(ok.problems.map(formatProblem).join('\n'));
    expect(ok.config.receivers[0]).toEqual({ name: 'pd', pagerduty: { routingKey: KEY } });
    const bad = await loadConfigFromString(yaml('{ routingKey: short }'), 'syncwatch.yaml', {});
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems.map(formatProblem).join('\n')).toMatch(/syncwatch\.yaml:4:\d+.*routingKey.*32 characters/);
  });
});
