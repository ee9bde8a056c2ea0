// The Microsoft Teams receiver against a fake Workflows webhook: the Adaptive Card (pure: the
// Slack message's facts, escaped, within Teams' size), fire → one card and resolve → one new
// card through the real pipeline, the webhook down and back (delivered once), 429 with
// Retry-After, other 4xx dropped and counted, `test-alert`; the webhook URL's secret never logged.
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Notification } from '../../src/alert/model.ts';
import { sendTestAlert } from '../../src/alerting/test-alert.ts';
import { formatProblem, loadConfigFromString } from '../../src/config/index.ts';
import { createLogger } from '../../src/log.ts';
import { staticGuarantee } from '../../src/notifiers/registry.ts';
import { ADAPTIVE_CARD, escapeTeams, renderTeams, TEAMS_LIMITS } from '../../src/notifiers/teams/index.ts';
import { alertOf, HOSTILE_ERROR } from '../alerting/fixtures.ts';
import { route, startPipeline, type Pipeline } from '../alerting/harness.ts';
import { deliverOnSimulatedClock } from '../alerting/simulated-clock.ts';
import { runCli, writeConfig } from '../harness/daemon.ts';
import { cardProblems, startFakeTeams, type FakeTeams } from '../fakes/teams.ts';
import { waitFor } from '../fakes/wait.ts';

let teams: FakeTeams;
let p: Pipeline | undefined;
beforeAll(async () => {
  teams = await startFakeTeams();
});
afterAll(() => teams.close());
afterEach(async () => {
  await p?.close();
  p = undefined;
  teams.calls.length = 0;
  teams.recover();
});

const receiver = (webhookUrl = teams.url) => ({ name: 'chat', teams: { webhookUrl } });
const pipeline = (tag: string, webhookUrl?: string) =>
  startPipeline(`teams-${tag}-${process.pid}`, {
    receivers: [receiver(webhookUrl)],
    route: route({ receiver: 'chat', groupWait: 0, groupInterval: 300, groupBy: ['target', 'kind'] }),
  });

function notification(over: Partial<Notification> & Pick<Notification, 'alerts'>): Notification {
  return {
    groupId: 'g1',
    groupKey: '{}:{kind="SyncFailed"}',
    receiver: 'chat',
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

/** Every text of a card, as Teams would read it. */
function texts(card: any): string[] {
  const out: string[] = [];
  const walk = (x: any) => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (x && typeof x === 'object') {
      for (const [k, v] of Object.entries(x)) {
        if ((k === 'text' || k === 'title' || k === 'value') && typeof v === 'string') out.push(v);
        else walk(v);
      }
    }
  };
  walk(card);
  return out;
}

describe('escaping for the TextBlock markdown subset', () => {
  it.each([
    ['**bold** _it_ ~s~ `code`', '\\*\\*bold\\*\\* \\_it\\_ \\~s\\~ \\`code\\`'],
    ['[click](https://evil.example)', '\\[click\\](https://evil.example)'],
    ['<at>Everyone</at>', '\\<at\\>Everyone\\</at\\>'],
    ['- not a list\n1. nor this', '\\- not a list\n1\\. nor this'],
    ['# not a heading', '\\# not a heading'],
    ['{{DATE(2026-01-01T00:00:00Z, SHORT)}}', '{\u200B{DATE(2026-01-01T00:00:00Z, SHORT)}\u200B}'],
    ['plain words, 3 read', 'plain words, 3 read'],
  ])('%j → %j', (input, escaped) => expect(escapeTeams(input)).toBe(escaped));
});

describe('the Adaptive Card (pure)', () => {
  const a = alertOf('SyncFailed', { id: 'a', link: 'https://integrator.io/flows/a', error: HOSTILE_ERROR });
  const b = alertOf('FlowErrors', { id: 'b' });

  it('a message with one Adaptive Card: title, severity, target, resource, error text, samples, links as Action.OpenUrl', () => {
    const message = renderTeams(notification({ alerts: [a, b] }));
    expect(cardProblems(message)).toEqual([]);
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]!.contentType).toBe(ADAPTIVE_CARD);
    const card = message.attachments[0]!.content;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: '\\[FIRING:2\\] SyncFailed, FlowErrors', color: 'Attention' });
    const all = texts(card);
    expect(all).toContain('**FIRING** · **SyncFailed** · **Orders a**');
    expect(all).toContain('Severity');
    expect(all).toContain('critical');
    expect(all).toContain('celigo-prod');
    expect(all).toContain(HOSTILE_ERROR); // the error text is a TextRun: no markdown, shown as it is
    expect(all).toContain('[429] Too many requests'); // FlowErrors samples after the newest (the error text)
    expect(all).toContain('Top classifications: rate_limit ×2, connection ×1');
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open Orders a', url: 'https://integrator.io/flows/a' },
      { type: 'Action.OpenUrl', title: 'syncwatch console', url: 'https://syncwatch.example.com/' },
    ]);
    const error = JSON.stringify(card.body).match(/"type":"TextRun","text":"Bad <record>[^"]*"[^}]*}/)?.[0];
    expect(error).toContain('"fontType":"Monospace"');
  });

  it('hostile text in markdown places (names, facts) arrives escaped: no bold, link, mention or date function', () => {
    const evil = alertOf('SyncFailed', { id: '**x**[y](https://evil.example)<at>all</at>{{DATE(2026-01-01T00:00:00Z)}}' });
    const card = renderTeams(notification({ alerts: [evil] })).attachments[0]!.content;
    // What Teams reads as markdown: TextBlock texts and facts (a RichTextBlock's TextRun takes none).
    const parts: string[] = [];
    const walk = (x: any): void => {
      if (Array.isArray(x)) return x.forEach(walk);
      if (!x || typeof x !== 'object') return;
      if (x.type === 'TextBlock') parts.push(x.text);
      if (x.type === 'FactSet') for (const f of x.facts) parts.push(f.title, f.value);
      walk(x.items);
    };
    walk(card.body);
    const markdown = parts.join('\n');
    expect(markdown).toContain('Orders \\*\\*x');
    expect(markdown).not.toMatch(/(?<!\\)\*\*x/);
    expect(markdown).not.toMatch(/(?<!\\)\[y(?<!\\)\]/);
    expect(markdown).not.toMatch(/(?<!\\)<at>/);
    expect(markdown).not.toContain('{{DATE');
  });

  it('a resolution is its own card, green, with RESOLVED; a test card says so', () => {
    const resolved = renderTeams(notification({ alerts: [alertOf('SyncFailed', { id: 'a', status: 'resolved' })], status: 'resolved' }));
    expect(resolved.attachments[0]!.content.body[0]).toMatchObject({ text: '\\[RESOLVED\\] SyncFailed', color: 'Good' });
    const test = renderTeams(notification({ alerts: [a], reason: 'test' }));
    expect(texts(test.attachments[0]!.content).join('\n')).toContain('test message from syncwatch');
  });

  it('a 1 MB error and 200 alerts stay within Teams size: the rest are counted in "…and N more"', () => {
    const huge = Array.from({ length: 200 }, (_, i) => alertOf('SyncFailed', { id: `f${i}`, error: '*'.repeat(1024 * 1024) }));
    const message = renderTeams(notification({ alerts: huge }));
    expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThanOrEqual(TEAMS_LIMITS.payloadBytes);
    expect(cardProblems(message)).toEqual([]);
    expect(texts(message.attachments[0]!.content).join('\n')).toMatch(/…and \d+ more alert\(s\) in this group\./);
  });
});

describe('through the pipeline', () => {
  it('fire → one card; resolve → one new, resolved card', async () => {
    p = await pipeline('fire-resolve');
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'fr' })]);
    await waitFor('the firing card', () => teams.cards().length === 1);
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'fr', status: 'resolved' })]);
    await waitFor('the resolved card', () => teams.cards().length === 2);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(teams.cards().map((c) => c.body[0].text)).toEqual(['\\[FIRING\\] SyncFailed', '\\[RESOLVED\\] SyncFailed']);
    expect(teams.calls.map((c) => c.status)).toEqual([202, 202]);
    expect(p.outcomes).toEqual([
      ['chat', 'success'],
      ['chat', 'success'],
    ]);
  });

  it('the webhook down (503) for a while, then back: retried, the card delivered once; the URL secret never logged', async () => {
    p = await pipeline('down');
    teams.down();
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'dn' })]);
    await waitFor('five refused attempts', () => teams.calls.filter((c) => c.status === 503).length >= 5);
    const retries = p.lines.filter((l) => l.msg === 'delivery failed; will retry');
    expect(retries.length).toBeGreaterThanOrEqual(4);
    expect(retries[0]!.err.message).toMatch(/^teams webhook http:\/\/127\.0\.0\.1:\d+\/… answered HTTP 503$/);
    teams.recover();
    await waitFor('the card', () => teams.cards().length >= 1);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(teams.cards()).toHaveLength(1);
    expect(p.outcomes.filter(([, o]) => o === 'success')).toHaveLength(1);
    expect(JSON.stringify(p.lines)).not.toContain(teams.signature);
  });

  it('429 with Retry-After: the next attempt waits at least that long, then the card arrives once', async () => {
    p = await pipeline('429');
    teams.failNext(1, { status: 429, retryAfter: 1 });
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'rl' })]);
    await waitFor('the card', () => teams.cards().length === 1);
    const retry = p.lines.find((l) => l.msg === 'delivery failed; will retry');
    expect(retry).toMatchObject({ err: { code: '429' } });
    expect(retry!.retryInMs).toBeGreaterThanOrEqual(1000);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(teams.cards()).toHaveLength(1);
  });

  it('an incoming webhook (the older connector) answers 200: that is delivered too, once', async () => {
    p = await pipeline('legacy200');
    teams.failNext(1, { status: 200 });
    await p.alerting.ingest([alertOf('SyncFailed', { id: 'legacy' })]);
    await waitFor('the delivery', () => p!.outcomes.length === 1);
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(teams.calls.map((c) => c.status)).toEqual([200]);
    expect(p.outcomes).toEqual([['chat', 'success']]);
  });

  it.each([
    ['a 400 from the workflow', 400],
    ['a deleted workflow (404)', 404],
  ])('%s: dropped, not retried, counted as dropped, logged once without the URL secret', async (_what, status) => {
    const url = status === 404 ? teams.url.replace('/workflows/0a1b2c3d/', '/workflows/deleted/') : teams.url;
    p = await pipeline(`drop${status}`, url);
    if (status === 400) teams.failNext(1, { status });
    await p.alerting.ingest([alertOf('SyncFailed', { id: `x${status}` })]);
    await waitFor('the drop', () => p!.outcomes.some(([, o]) => o === 'dropped'));
    await waitFor('the pipeline idle', () => p!.alerting.dispatcher.idle());
    expect(teams.calls.map((c) => c.status)).toEqual([status]);
    expect(p.outcomes).toEqual([['chat', 'dropped']]);
    expect(p.drops).toEqual([['chat', String(status)]]);
    const drops = p.lines.filter((l) => /notification dropped/.test(String(l.msg)));
    expect(drops).toHaveLength(1);
    expect(drops[0]!.err).toMatchObject({ code: String(status) });
    expect(JSON.stringify(p.lines)).not.toContain(teams.signature);
  });
});

describe('the webhook down 2 minutes with the default retry schedule', () => {
  it('the real pipeline on a simulated clock: refused while down, the first attempt after 2 minutes posts the card, once', async () => {
    const { attempts, outcomes } = await deliverOnSimulatedClock({
      tag: `teams-2min-${process.pid}`,
      receiver: receiver(),
      alert: alertOf('SyncFailed', { id: 'two-minutes' }),
      before: (t) => (t < 120_000 ? teams.down() : teams.recover()),
    });
    const refused = attempts.filter((a) => a.result === 'will retry');
    expect(refused.length).toBeGreaterThanOrEqual(7);
    expect(refused.every((a) => a.at < 120_000)).toBe(true);
    expect(attempts.at(-1)).toMatchObject({ result: 'sent', at: expect.any(Number) });
    expect(attempts.at(-1)!.at).toBeGreaterThanOrEqual(120_000);
    expect(attempts.at(-1)!.at).toBeLessThanOrEqual(120_000 + 15 * 60_000);
    expect(teams.cards()).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'success')).toHaveLength(1);
  });
});

describe('test-alert and configuration', () => {
  it('syncwatch test-alert: one TEST card; the guarantee is at-least-once and says why; no secret in the log', async () => {
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
    const { guarantee } = await sendTestAlert({ receivers: [receiver()] }, 'chat', { logger });
    expect(teams.cards()).toHaveLength(1);
    expect(teams.cards()[0].body[0]).toMatchObject({ text: '\\[TEST\\] SyncFailed', color: 'Accent' });
    expect(guarantee).toMatchObject({ guarantee: 'at-least-once', why: expect.stringContaining('cannot be asked') });
    expect(staticGuarantee(receiver())).toEqual(guarantee);
    expect(lines.join('')).not.toContain(teams.signature);
  });

  it('`syncwatch test-alert --receiver chat` (the command): exit 0, one card; a refusal exits 1 naming the status, never the URL secret', async () => {
    const write = (url: string) =>
      writeConfig({ targets: [{ name: 'prod', provider: 'celigo', token: 't' }], receivers: [receiver(url)], route: { receiver: 'chat' } });
    const ok = write(teams.url);
    const gone = write(teams.url.replace('/workflows/0a1b2c3d/', '/workflows/deleted/'));
    try {
      const r = await runCli(['test-alert', '--config', ok.file, '--receiver', 'chat']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/receiver chat: delivery is at-least-once: /);
      expect(teams.cards()).toHaveLength(1);
      const refused = await runCli(['test-alert', '--config', gone.file, '--receiver', 'chat']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/receiver "chat" refused the test alert: .*404/);
      expect(r.stdout + r.stderr + refused.stdout + refused.stderr).not.toContain(teams.signature);
    } finally {
      ok.remove();
      gone.remove();
    }
  }, 60_000);

  it('loads a teams receiver; a URL that is not http(s) is a problem at its line', async () => {
    const yaml = (teamsConfig: string) =>
      [
        'targets: [{ name: prod, provider: celigo, token: t }]',
        'receivers:',
        '  - name: chat',
        `    teams: ${teamsConfig}`,
        'route: { receiver: chat }',
        '',
      ].join('\n');
    const ok = await loadConfigFromString(
      yaml('{ webhookUrl: "https://example.logic.azure.com/workflows/x?sig=y" }'),
      'syncwatch.yaml',
      {},
    );
    if (!ok.ok) throw new Error(ok.problems.map(formatProblem).join('\n'));
    expect(ok.config.receivers[0]).toEqual({ name: 'chat', teams: { webhookUrl: 'https://example.logic.azure.com/workflows/x?sig=y' } });
    const bad = await loadConfigFromString(yaml('{ webhookUrl: "ftp://example.com/x" }'), 'syncwatch.yaml', {});
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.problems.map(formatProblem).join('\n')).toMatch(/syncwatch\.yaml:4:\d+.*webhookUrl.*http/);
  });
});
