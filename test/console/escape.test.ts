// Platform text on the console renders as text: an error message with <script> and an attribute
// break-out stays inert in every place the console shows it.
import { expect, it } from 'vitest';
import { emptyCounts } from '../../src/retry/ledger.ts';
import { silenceHistory } from '../../src/console/history.ts';
import { liveView } from '../../src/console/view.ts';
import { alertOf } from '../alerting/fixtures.ts';

const HOSTILE = `<script>alert(1)</script> "><img src=x onerror=alert(2)>`;

it('an error text with <script> and "><img onerror> renders as text (alerts, targets, history)', () => {
  const a = alertOf('SyncFailed', { error: HOSTILE, link: `https://x.example/"><img src=x onerror=alert(3)>` });
  const out = liveView({
    targets: [
      {
        name: 'celigo-prod',
        provider: 'celigo',
        intervalSeconds: 60,
        lastPollAt: null,
        lastOutcome: 'failure',
        consecutiveFailures: 2,
        lastError: { kind: 'upstream', message: HOSTILE },
      },
    ],
    alerts: [
      {
        fingerprint: a.fingerprint,
        labels: a.labels,
        annotations: { ...a.annotations, name: HOSTILE },
        startsAt: a.startsAt,
        silenced: false,
        silencedBy: [],
        inhibited: false,
      },
    ],
    retryPolicies: [],
    silences: [
      {
        id: 's1',
        match: {},
        matchers: [{ name: 'flow', value: HOSTILE, isRegex: false, isEqual: true }],
        startsAt: a.startsAt,
        endsAt: '2999-01-01T00:00:00Z',
        comment: HOSTILE,
        source: 'runtime',
      },
    ],
    history: [
      {
        at: a.startsAt,
        transition: 'fired',
        kind: 'SyncFailed',
        target: 'celigo-prod',
        resource: 'r',
        name: HOSTILE,
        severity: 'critical',
        error: HOSTILE,
      },
    ],
    now: Date.parse(a.startsAt),
    csrf: 'tok',
  }).text;
  expect(out).not.toContain('<script');
  expect(out).not.toContain('<img');
  expect(out).not.toMatch(/"><img/);
  expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
});

it('a silence in the history (author, comment), a target name in the history filter, retry batches and backoff render as text', () => {
  const at = '2026-12-04T10:00:00.000Z';
  const out = liveView({
    targets: [{ name: HOSTILE, provider: 'celigo', intervalSeconds: 60, lastPollAt: null, lastOutcome: null, consecutiveFailures: 0 }],
    alerts: [],
    retryPolicies: [
      {
        name: 'p',
        action: 'retry',
        dryRun: false,
        maxAttempts: 3,
        recordsPerHour: 100,
        lastHour: emptyCounts(),
        byTarget: {},
        latestBatches: [{ at, target: 't', resource: HOSTILE, what: 'records', records: 2, outcome: 'queued', job: HOSTILE }],
        backoff: { count: 3, units: [{ resource: HOSTILE, unit: HOSTILE, next: at }] },
      },
    ],
    silences: [],
    history: silenceHistory(
      [{ id: 's1', match: { target: HOSTILE }, startsAt: at, endsAt: at, comment: HOSTILE, createdBy: HOSTILE, source: 'runtime' }],
      Date.parse(at),
    ),
    now: Date.parse(at),
    csrf: 'tok',
    filter: { target: HOSTILE, kind: HOSTILE },
  }).text;
  expect(out).toContain('silence expired by &lt;script&gt;');
  expect(out).toContain('<h3>p: in backoff (3)</h3>');
  expect(out).toContain('… and 2 more');
  expect(out.match(/data-batch/g)).toHaveLength(1);
  expect(out).not.toContain('<script');
  expect(out).not.toContain('<img');
});
