// Rendered Block Kit, e-mail and webhook payloads for every alert kind, firing and resolved.
import { describe, expect, it } from 'vitest';
import { ALERT_KINDS, type AlertEvent, type AlertKind, type Notification } from '../../src/alert/model.ts';
import { renderEmail } from '../../src/notifiers/email/render.ts';
import { escapeMrkdwn, renderSlack, SLACK_LIMITS, type Block } from '../../src/notifiers/slack/render.ts';
import { signature, webhookPayload, ZERO_TIME } from '../../src/notifiers/webhook/payload.ts';
import { createHmac } from 'node:crypto';
import { alertFingerprint } from '../../src/alert/alertmanager.ts';
import { alertOf, HOSTILE_ERROR } from '../alerting/fixtures.ts';

function notificationOf(alerts: AlertEvent[], over: Partial<Notification> = {}): Notification {
  const status = alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved';
  return {
    groupId: 'g1',
    groupKey: '0:{kind="X",target="celigo-prod"}',
    receiver: 'r',
    seq: 1,
    groupLabels: { target: 'celigo-prod' },
    status,
    reason: 'new',
    alerts,
    transitions: alerts,
    createdAt: '2026-05-01T12:00:00.000Z',
    ...over,
  };
}

const fieldsOf = (blocks: Block[]) =>
  Object.fromEntries(
    blocks
      .filter((b) => b.type === 'section' && Array.isArray(b.fields))
      .flatMap((b) => (b.fields as Array<{ text: string }>).map((f) => f.text.split('\n') as [string, string]))
      .map(([k, v]) => [k.replace(/\*/g, ''), v]),
  );
const textOf = (blocks: Block[]) =>
  blocks
    .filter((b) => b.type === 'section' && b.text)
    .map((b) => (b.text as { text: string }).text)
    .join('\n');
const headerOf = (blocks: Block[]): string => {
  const header = (blocks[0]?.text as { text: string } | undefined)?.text;
  if (header === undefined) throw new Error('the message has no header block');
  return header;
};

// kind               status       header                                 fields expected (subset)
const TABLE: Array<[AlertKind, 'firing' | 'resolved', string, Record<string, string>]> = [
  [
    'SyncFailed',
    'firing',
    ':red_circle: [FIRING] SyncFailed',
    {
      Target: 'celigo-prod',
      Integration: 'int1',
      Flow: 'Orders f1 (f1)',
      Status: 'failed',
      Records: '120 read, 100 written, 20 failed',
      Started: '2026-05-01T09:59:00.000Z',
    },
  ],
  [
    'SyncFailed',
    'resolved',
    ':large_green_circle: [RESOLVED] SyncFailed',
    { Target: 'celigo-prod', Status: 'succeeded', Ended: '2026-05-01T11:00:00.000Z' },
  ],
  [
    'SyncPartial',
    'firing',
    ':red_circle: [FIRING] SyncPartial',
    { Target: 'celigo-prod', Integration: 'int1', Sync: 'f1', Status: 'succeeded', Records: '120 read, 117 written, 3 failed' },
  ],
  ['SyncPartial', 'resolved', ':large_green_circle: [RESOLVED] SyncPartial', { Target: 'celigo-prod', Sync: 'f1', Status: 'succeeded' }],
  [
    'FlowErrors',
    'firing',
    ':red_circle: [FIRING] FlowErrors',
    { Target: 'celigo-prod', Flow: 'Orders f1 (f1)', Step: 'imp1', 'Open errors': '7 (+5)', Started: '2026-05-01T10:00:00.000Z' },
  ],
  ['FlowErrors', 'resolved', ':large_green_circle: [RESOLVED] FlowErrors', { Target: 'celigo-prod', Status: 'resolved' }],
  ['SyncStuck', 'firing', ':red_circle: [FIRING] SyncStuck', { Target: 'celigo-prod', Status: 'running' }],
  ['SyncStuck', 'resolved', ':large_green_circle: [RESOLVED] SyncStuck', { Status: 'succeeded' }],
  ['SyncStale', 'firing', ':red_circle: [FIRING] SyncStale', { Status: 'failed', Records: '120 read, 100 written, 20 failed' }],
  ['SyncStale', 'resolved', ':large_green_circle: [RESOLVED] SyncStale', { Status: 'succeeded' }],
  [
    'TargetDown',
    'firing',
    ':red_circle: [FIRING] TargetDown',
    { Target: 'celigo-prod', 'Failed polls': '3 (upstream)', Started: '2026-05-01T10:00:00.000Z' },
  ],
  ['TargetDown', 'resolved', ':large_green_circle: [RESOLVED] TargetDown', { Target: 'celigo-prod', Status: 'resolved' }],
  [
    'TargetMisconfigured',
    'firing',
    ':red_circle: [FIRING] TargetMisconfigured',
    { Target: 'celigo-prod', Started: '2026-05-01T10:00:00.000Z' },
  ],
  [
    'TargetMisconfigured',
    'resolved',
    ':large_green_circle: [RESOLVED] TargetMisconfigured',
    { Target: 'celigo-prod', Status: 'resolved', Ended: '2026-05-01T11:00:00.000Z' },
  ],
  ['RetryExhausted', 'firing', ':red_circle: [FIRING] RetryExhausted', { Target: 'celigo-prod', Flow: 'Orders f1 (f1)', Step: 'imp1' }],
  ['RetryExhausted', 'resolved', ':large_green_circle: [RESOLVED] RetryExhausted', { Target: 'celigo-prod' }],
  ['ResourceUnreadable', 'firing', ':red_circle: [FIRING] ResourceUnreadable', { Target: 'celigo-prod', 'Failed polls': '3 (malformed)' }],
  ['ResourceUnreadable', 'resolved', ':large_green_circle: [RESOLVED] ResourceUnreadable', { Target: 'celigo-prod', Status: 'resolved' }],
];

describe('Slack Block Kit', () => {
  it('covers every kind', () => expect(new Set(TABLE.map((r) => r[0]))).toEqual(new Set(ALERT_KINDS)));

  it.each(TABLE)('%s %s', (kind, status, header, fields) => {
    const alert = alertOf(kind, { status, link: 'https://integrator.io/flows/f1' });
    const { blocks, text } = renderSlack(notificationOf([alert]));
    expect(headerOf(blocks)).toBe(header);
    expect(blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(fieldsOf(blocks)).toMatchObject(fields);
    expect(textOf(blocks)).toContain(
      `*${status === 'resolved' ? 'RESOLVED' : 'FIRING'}* · *${kind}* · *${escapeMrkdwn(alert.annotations.name ?? alert.labels.resource)}*`,
    );
    expect(textOf(blocks)).toContain(alert.annotations.summary);
    expect(text).toBe(`[${status.toUpperCase()}] ${kind}: ${alert.annotations.name ?? alert.labels.resource}`);
    const button = blocks.find((b) => b.type === 'actions');
    if (kind === 'TargetDown' || kind === 'TargetMisconfigured')
      expect(button).toBeUndefined(); // the fixture gives these no link
    else expect(button).toMatchObject({ elements: [{ type: 'button', url: 'https://integrator.io/flows/f1' }] });
  });

  it('FlowErrors shows the top classifications and codes of its samples', () => {
    const text = textOf(renderSlack(notificationOf([alertOf('FlowErrors')])).blocks);
    expect(text).toContain('*Top classifications:* `rate_limit` ×2, `connection` ×1');
    expect(text).toContain('*Top codes:* `429` ×2, `ECONNRESET` ×1');
  });

  it('escapes a hostile error: no mention, no early end of the code block', () => {
    const text = textOf(renderSlack(notificationOf([alertOf('SyncFailed', { error: HOSTILE_ERROR })])).blocks);
    expect(text).toContain("```\nBad &lt;record&gt; &amp; 'code' here &lt;!channel&gt; &lt;@U123&gt; &lt;!here|here&gt; '''boom'''\n```");
    expect(text).not.toMatch(/<!channel>|<@U123>|<!here/);
  });

  it('SyncPartial shows the failed tables and messages, escaped', () => {
    const text = textOf(renderSlack(notificationOf([alertOf('SyncPartial', { error: HOSTILE_ERROR })])).blocks);
    expect(text).toContain('3 error(s) in 1 table(s): contacts (3)');
    expect(text).toContain("- contacts: STRING_TOO_LONG: Bad &lt;record&gt; &amp; 'code' here &lt;!channel&gt;");
    expect(text).not.toMatch(/<!channel>|<@U123>|<!here/);
    const mail = renderEmail(notificationOf([alertOf('SyncPartial', { error: HOSTILE_ERROR })]));
    expect(mail.html).toContain('- contacts: STRING_TOO_LONG: Bad &lt;record&gt; &amp;');
    expect(mail.html).not.toContain('<record>');
  });

  it('cuts 100 KB of error text to Slack limits, without splitting an escape', () => {
    const huge = `${'<@U123> & '.repeat(10_000)}END`;
    const { blocks, text } = renderSlack(notificationOf([alertOf('SyncFailed', { error: huge })]));
    for (const b of blocks) {
      if (b.type === 'section' && b.text) expect((b.text as { text: string }).text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      for (const f of (b.fields as Array<{ text: string }> | undefined) ?? [])
        expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.field);
    }
    const body = textOf(blocks);
    expect(body).not.toContain('<@U123>');
    expect(body).not.toContain('END');
    expect(body).toMatch(/(&lt;@U123&gt;|&amp;| )*…\n```$/);
    expect(body).not.toMatch(/&[a-z]{0,3}…/); // no half entity before the cut mark
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  });

  it('keeps to 50 blocks and a 150-character header with many alerts', () => {
    const alerts = Array.from({ length: 40 }, (_, i) => alertOf('SyncFailed', { id: `f${i}`, link: 'https://x.example/run' }));
    const { blocks } = renderSlack(notificationOf(alerts));
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(headerOf(blocks)).toBe(':red_circle: [FIRING:40] SyncFailed');
    const last = blocks.at(-1) as unknown as { elements: Array<{ text: string }> };
    expect(last.elements[0]?.text).toMatch(/^…and \d+ more alert\(s\) in this group\.$/);
    const many = Array.from({ length: 7 }, (_, i) => ({ ...alertOf(ALERT_KINDS[i % 6]!, { id: `k${i}` }) }));
    expect(headerOf(renderSlack(notificationOf(many)).blocks).length).toBeLessThanOrEqual(SLACK_LIMITS.header);
  });

  it('marks a test message and a reminder', () => {
    const test = renderSlack(notificationOf([alertOf('SyncFailed')], { reason: 'test' }));
    expect(headerOf(test.blocks)).toBe(':test_tube: [TEST] SyncFailed');
    expect(JSON.stringify(test.blocks.at(-1))).toContain('test message from syncwatch');
    const reminder = renderSlack(notificationOf([alertOf('SyncFailed')], { reason: 'repeat', transitions: [] }));
    expect(JSON.stringify(reminder.blocks.at(-1))).toContain('still firing');
  });
});

describe('e-mail', () => {
  it.each(TABLE)('%s %s: subject, text part, HTML part', (kind, status, _header, fields) => {
    const alert = alertOf(kind, { status, link: 'https://integrator.io/flows/f1' });
    const mail = renderEmail(notificationOf([alert]));
    const name = alert.annotations.name ?? alert.labels.resource;
    expect(mail.subject).toBe(`[${status.toUpperCase()}] ${kind}: ${name}`);
    for (const [k, v] of Object.entries(fields)) {
      expect(mail.text).toContain(`${k}: ${v}`);
      expect(mail.html).toContain(`<tr><th align="left">${k}</th><td>${v.replace(/&/g, '&amp;')}</td></tr>`);
    }
    expect(mail.text).toContain(alert.annotations.summary);
    expect(mail.html).toContain(`<p>${alert.annotations.summary}</p>`);
  });

  it('groups: one subject for several alerts', () => {
    const mail = renderEmail(
      notificationOf([alertOf('SyncFailed', { id: 'a' }), alertOf('SyncFailed', { id: 'b' }), alertOf('SyncFailed', { id: 'c' })]),
    );
    expect(mail.subject).toBe('[FIRING] SyncFailed: Orders a and 2 more');
  });

  it('escapes the HTML part and cuts 100 KB of error text', () => {
    const mail = renderEmail(notificationOf([alertOf('SyncFailed', { error: HOSTILE_ERROR + 'x'.repeat(100_000) })]));
    expect(mail.html).toContain('Bad &lt;record&gt; &amp; `code` here &lt;!channel&gt; &lt;@U123&gt;');
    expect(mail.html).not.toContain('<record>');
    expect(mail.text).toContain('Bad <record> & `code` here <!channel>');
    expect(mail.text.length).toBeLessThan(12_000);
    expect(mail.html.length).toBeLessThan(14_000);
  });
});

describe('webhook payload', () => {
  it('follows Alertmanager version 4', () => {
    const firing = alertOf('SyncFailed', { id: 'a', link: 'https://x.example/r' });
    const resolved = alertOf('SyncFailed', { id: 'b', status: 'resolved' });
    const p = webhookPayload(notificationOf([firing, resolved], { receiver: 'incident-hook', externalURL: 'http://syncwatch:9464' }));
    expect(p).toMatchObject({
      version: '4',
      groupKey: '0:{kind="X",target="celigo-prod"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'incident-hook',
      groupLabels: { target: 'celigo-prod' },
      commonLabels: { target: 'celigo-prod', provider: 'celigo', kind: 'SyncFailed', severity: 'critical', integration: 'int1' },
      externalURL: 'http://syncwatch:9464',
    });
    expect(p.alerts).toEqual([
      expect.objectContaining({
        status: 'firing',
        fingerprint: alertFingerprint(firing),
        startsAt: firing.startsAt,
        endsAt: ZERO_TIME,
        generatorURL: 'https://x.example/r',
        labels: expect.objectContaining({ flow: 'a', name: 'Orders a' }),
      }),
      expect.objectContaining({ status: 'resolved', endsAt: '2026-05-01T11:00:00.000Z' }),
    ]);
    for (const a of p.alerts) for (const v of Object.values(a.annotations)) expect(typeof v).toBe('string');
    expect(p.alerts[0]!.annotations.counts).toBe('{"read":120,"written":100,"failed":20}');
    expect(p.commonAnnotations).toEqual({
      runId: 'run1',
      startedAt: '2026-05-01T09:59:00.000Z',
      counts: '{"read":120,"written":100,"failed":20}',
    });
  });

  it('truncates beyond max alerts and counts the rest', () => {
    const p = webhookPayload(notificationOf(Array.from({ length: 5 }, (_, i) => alertOf('SyncFailed', { id: `f${i}` }))), 3);
    expect(p.alerts).toHaveLength(3);
    expect(p.truncatedAlerts).toBe(2);
  });

  it("sends every alert by default (maxAlerts 0, Alertmanager's max_alerts default)", () => {
    const p = webhookPayload(notificationOf(Array.from({ length: 150 }, (_, i) => alertOf('SyncFailed', { id: `f${i}` }))));
    expect(p.alerts).toHaveLength(150);
    expect(p.truncatedAlerts).toBe(0);
  });

  it('signs the raw body with HMAC-SHA256', () => {
    const body = JSON.stringify({ a: 1 });
    expect(signature('s3cret', body)).toBe(`sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`);
  });
});
