import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Config,
  configSchema,
  formatProblem,
  type LoadResult,
  loadConfig,
  loadConfigFromString,
  validateConfigFile,
} from '../../src/config/index.ts';
import { EXAMPLE_ENV } from './example-env.ts';
import { INVALID_CASES } from './invalid-cases.ts';

const EXAMPLE = path.resolve('config/syncwatch.example.yaml');
const POLICIES_EXAMPLE = path.resolve('config/retry-policies.example.yaml');

function expectOk(result: LoadResult): Config {
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.problems.map(formatProblem).join('\n')}`);
  return result.config;
}

function problemLines(result: LoadResult, file = 't.yaml'): string[] {
  if (result.ok) return ['(valid)'];
  return result.problems.map((p) => formatProblem(p).replace(`${file}:`, ''));
}

const MINIMAL = ['targets:', '  - name: prod', '    provider: celigo', '    token: t', ''].join('\n');

describe('the example config', () => {
  it('validates with its environment variables set', async () => {
    const config = expectOk(await loadConfig(EXAMPLE, EXAMPLE_ENV));
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'syncwatch' });
    expect(config.server).toEqual({ listen: '0.0.0.0:9464' });

    const [celigo, airweave, neo] = config.targets;
    expect(celigo).toMatchObject({
      name: 'celigo-prod',
      provider: 'celigo',
      baseUrl: 'https://api.integrator.io',
      token: 'celigo-token-dummy',
      interval: 30_000,
      requestsPerSecond: 50,
      failuresBeforeAlert: 3,
      stuckAfter: 7_200_000,
      flowErrors: { minNew: 1 },
      include: { integrations: ['*'] },
      exclude: { flows: ['Sandbox *'] },
      expect: [{ match: { integration: 'NetSuite*' }, successWithin: 21_600_000 }],
      severity: { SyncFailed: 'critical' },
    });
    expect(airweave).toMatchObject({
      provider: 'airweave',
      apiKey: 'airweave-key-dummy',
      interval: 60_000,
      requestsPerSecond: 50,
      failuresBeforeAlert: 3,
    });
    expect(airweave).not.toHaveProperty('stuckAfter');
    expect(neo).toMatchObject({ provider: 'neo', token: 'neo-key-dummy', integrations: ['connectwise', 'autotask'], interval: 300_000 });

    expect(config.receivers).toEqual([
      {
        name: 'data-oncall',
        slack: {
          token: 'xoxb-dummy',
          channel: '#data-alerts',
          interactive: { signingSecret: 'slack-signing-secret-dummy', allowedUsers: ['U0123ABCD'], allowedUserGroups: ['S0456EFGH'] },
        },
      },
      {
        name: 'data-email',
        email: {
          from: 'syncwatch@example.com',
          to: ['data-team@example.com'],
          smtp: { host: 'smtp.example.com', port: 587, secure: false, user: 'smtp-user-dummy', pass: 'smtp-pass-dummy' },
        },
      },
      { name: 'incident-hook', webhook: { url: 'https://hooks.example.com/syncwatch', hmacSecret: 'webhook-secret-dummy' } },
      { name: 'data-pager', pagerduty: { routingKey: 'pdroutingkeydummy000000000000000' } },
      {
        name: 'data-teams',
        teams: { webhookUrl: 'https://example.logic.azure.com/workflows/dummy/triggers/manual/paths/invoke?sig=dummy' },
      },
    ]);

    expect(config.route).toEqual({
      receiver: 'data-oncall',
      groupBy: ['target', 'kind'],
      groupWait: 10_000,
      groupInterval: 60_000,
      repeatInterval: 14_400_000,
      sendResolved: true,
      routes: [
        { match: { kind: 'SyncFailed', severity: 'critical' }, receiver: 'data-email', continue: true, routes: [] },
        { match: { kind: 'TargetDown' }, receiver: 'incident-hook', continue: true, routes: [] },
        { match: { severity: 'critical' }, receiver: 'data-pager', continue: true, routes: [] },
        { match: { kind: 'FlowErrors' }, receiver: 'data-teams', continue: false, routes: [] },
      ],
    });

    expect(config.silences).toEqual([
      {
        match: { target: 'celigo-prod', flow: 'Nightly archive' },
        until: new Date('2026-12-31T00:00:00Z'),
        comment: 'archive flow is being rebuilt',
      },
    ]);

    const [backoff, timeouts, rerun] = config.retryPolicies;
    expect(backoff).toEqual({
      name: 'intermittent-with-backoff',
      match: { targets: ['celigo-prod'], classification: ['intermittent', 'rate_limit'] },
      action: 'retry_with_backoff',
      minAge: 600_000,
      maxAttempts: 3,
      backoff: { initial: 900_000, factor: 2, max: 14_400_000 },
      budget: { recordsPerHour: 5000 },
      dryRun: false,
    });
    expect(timeouts).toMatchObject({
      action: 'retry',
      minAge: 300_000,
      maxAttempts: 2,
      match: { source: ['application'], code: '^(408|502|503|504)$' },
    });
    expect(rerun).toMatchObject({ action: 'rerun_flow', cooldown: 1_800_000, dryRun: true });
  });

  it('names a missing environment variable at its line and column', async () => {
    const { CELIGO_TOKEN: _unset, ...env } = EXAMPLE_ENV;
    const result = await loadConfig(EXAMPLE, env);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      `${EXAMPLE}:16:12 targets[0].token: environment variable CELIGO_TOKEN is not set`,
    ]);
  });

  it('reports every missing variable at once, in file order', async () => {
    const result = await loadConfig(EXAMPLE, {});
    expect(problemLines(result, EXAMPLE)).toEqual([
      '16:12 targets[0].token: environment variable CELIGO_TOKEN is not set',
      '43:13 targets[1].apiKey: environment variable AIRWEAVE_API_KEY is not set',
      '50:12 targets[2].token: environment variable NEO_API_KEY is not set',
      '58:14 receivers[0].slack.token: environment variable SLACK_BOT_TOKEN is not set',
      '65:24 receivers[0].slack.interactive.signingSecret: environment variable SLACK_SIGNING_SECRET is not set',
      '76:15 receivers[1].email.smtp.user: environment variable SMTP_USER is not set',
      '77:15 receivers[1].email.smtp.pass: environment variable SMTP_PASS is not set',
      '81:19 receivers[2].webhook.hmacSecret: environment variable WEBHOOK_SECRET is not set',
      '84:19 receivers[3].pagerduty.routingKey: environment variable PAGERDUTY_ROUTING_KEY is not set',
      '89:19 receivers[4].teams.webhookUrl: environment variable TEAMS_WEBHOOK_URL is not set',
    ]);
  });
});

describe('${VAR} expansion', () => {
  const doc = (...extra: string[]) => [MINIMAL, ...extra, ''].join('\n');

  it('uses the default of ${VAR:-default} when the variable is unset or empty, the value otherwise', async () => {
    const text = doc('redis:', '  url: ${REDIS_URL:-redis://cache:6379}', '  prefix: ${PREFIX:-sw}');
    expect(expectOk(await loadConfigFromString(text, 't.yaml', {})).redis).toEqual({ url: 'redis://cache:6379', prefix: 'sw' });
    expect(expectOk(await loadConfigFromString(text, 't.yaml', { PREFIX: '' })).redis.prefix).toBe('sw');
    const set = expectOk(await loadConfigFromString(text, 't.yaml', { REDIS_URL: 'redis://other:6380', PREFIX: 'mine' }));
    expect(set.redis).toEqual({ url: 'redis://other:6380', prefix: 'mine' });
  });

  it('expands inside a longer string, and $${ is a literal ${', async () => {
    const text = doc(
      'receivers:',
      '  - name: hook',
      '    webhook:',
      '      url: https://${HOOK_HOST}/x',
      '      headers: { X-Template: "$${not.a.var}" }',
      'route: { receiver: hook }',
    );
    const config = expectOk(await loadConfigFromString(text, 't.yaml', { HOOK_HOST: 'hooks.example.com' }));
    expect(config.receivers[0]).toEqual({
      name: 'hook',
      webhook: { url: 'https://hooks.example.com/x', headers: { 'X-Template': '${not.a.var}' } },
    });
  });

  it('turns an expanded value into a number or boolean where the schema wants one', async () => {
    const receiver = (port: string, secure: string) =>
      doc(
        'receivers:',
        '  - name: mail',
        '    email:',
        '      from: Syncwatch <syncwatch@example.com>',
        '      to: [a@example.com]',
        `      smtp: { host: smtp.example.com, port: ${port}, secure: ${secure} }`,
        'route: { receiver: mail }',
      );
    // In a flow map `${…}` must be quoted (YAML reserves { and } there); it still becomes a number.
    const config = expectOk(
      await loadConfigFromString(receiver('"${SMTP_PORT:-465}"', '"${SMTP_SECURE}"'), 't.yaml', { SMTP_SECURE: 'TRUE' }),
    );
    expect(config.receivers[0]?.email?.smtp).toMatchObject({ port: 465, secure: true });
    // A literal string stays a string: only values from the environment are read as numbers.
    expect(problemLines(await loadConfigFromString(receiver('"465"', 'false'), 't.yaml', {}))).toEqual([
      '11:45 receivers[0].email.smtp.port: expected a number, got a string',
    ]);
    expect(problemLines(await loadConfigFromString(receiver('"${SMTP_PORT}"', 'false'), 't.yaml', { SMTP_PORT: 'smtp' }))).toEqual([
      '11:45 receivers[0].email.smtp.port: expected a number, got a string',
    ]);
  });

  it('keeps a number-like secret a string', async () => {
    const text = ['targets:', '  - name: prod', '    provider: celigo', '    token: ${TOKEN}', '    requestsPerSecond: ${RPS}', ''].join(
      '\n',
    );
    const config = expectOk(await loadConfigFromString(text, 't.yaml', { TOKEN: '0123456789', RPS: '12.5' }));
    expect(config.targets[0]).toMatchObject({ token: '0123456789', requestsPerSecond: 12.5 });
  });

  it('takes REDIS_URL when the file names no redis.url', async () => {
    expect(expectOk(await loadConfigFromString(MINIMAL, 't.yaml', { REDIS_URL: 'redis://env:1234' })).redis.url).toBe('redis://env:1234');
    expect(expectOk(await loadConfigFromString(MINIMAL, 't.yaml', {})).redis.url).toBe('redis://127.0.0.1:6379');
    const explicit = doc('redis: { url: "redis://file:6379" }');
    expect(expectOk(await loadConfigFromString(explicit, 't.yaml', { REDIS_URL: 'redis://env:1234' })).redis.url).toBe('redis://file:6379');
  });

  it('says where a bad REDIS_URL came from, without quoting it', async () => {
    const result = await loadConfigFromString(MINIMAL, 't.yaml', { REDIS_URL: 'http://user:hunter2@cache' });
    expect(problemLines(result)).toEqual(['1:1 redis.url: expected a redis:// or rediss:// URL (from the REDIS_URL environment variable)']);
  });
});

describe('invalid documents', () => {
  it(`has at least 25 cases (${INVALID_CASES.length})`, () => {
    expect(INVALID_CASES.length).toBeGreaterThanOrEqual(25);
    expect(new Set(INVALID_CASES.map((c) => c.yaml)).size).toBe(INVALID_CASES.length);
  });

  it.each(INVALID_CASES)('$name', async ({ yaml, expected }) => {
    expect(problemLines(await loadConfigFromString(yaml, 't.yaml', {}))).toEqual(expected);
  });

  it('reports every problem of a document at once, sorted by position', async () => {
    const text = [
      'targets:',
      '  - name: prod',
      '    provider: celigo',
      '    token: ${CELIGO_TOKEN}',
      '    interval: soon',
      'receivers:',
      '  - name: oncall',
      '    slack: { webhookUrl: "https://hooks.slack.com/x" }',
      'route:',
      '  receiver: pager',
      '  groupwait: 10s',
      '',
    ].join('\n');
    expect(problemLines(await loadConfigFromString(text, 't.yaml', {}))).toEqual([
      '4:12 targets[0].token: environment variable CELIGO_TOKEN is not set',
      '5:15 targets[0].interval: expected a duration like 30s, 10m, 6h',
      '10:13 route.receiver: receiver "pager" is not defined in receivers',
      '11:3 route.groupwait: unknown key "groupwait" (did you mean "groupWait"?)',
    ]);
  });

  it('reports a missing file as one problem at 1:1', async () => {
    const file = path.join(tmpdir(), 'syncwatch-no-such-config.yaml');
    const result = await loadConfig(file, {});
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([`${file}:1:1 (file): cannot read the config file: no such file`]);
  });
});

describe('secrets', () => {
  const SECRET = 'fake-secret-value-7f3a9c';
  const env = { SLACK_BOT_TOKEN: SECRET, CELIGO_TOKEN: SECRET };

  it.each([
    ['as a provider', ['targets:', '  - name: prod', '    provider: ${CELIGO_TOKEN}', '    token: t']],
    ['as a duration', ['targets:', '  - name: prod', '    provider: celigo', '    token: t', `    interval: ${SECRET}`]],
    ['as a list', ['targets:', '  - name: prod', '    provider: celigo', '    token: t', '    include: { flows: ${SLACK_BOT_TOKEN} }']],
    ['as a severity', ['targets:', '  - name: prod', '    provider: celigo', '    token: t', `    severity: { SyncFailed: "${SECRET}" }`]],
    ['as a URL', ['targets:', '  - name: prod', '    provider: celigo', '    token: t', '    baseUrl: ${SLACK_BOT_TOKEN}']],
    [
      'as a route receiver',
      [
        'targets:',
        '  - name: prod',
        '    provider: celigo',
        '    token: t',
        'receivers: [{ name: log, log: {} }]',
        'route: { receiver: "${SLACK_BOT_TOKEN}" }',
      ],
    ],
    [
      'as a policy target',
      [
        'targets:',
        '  - name: prod',
        '    provider: celigo',
        '    token: t',
        'retryPolicies:',
        '  - { name: p, match: { targets: ["${CELIGO_TOKEN}"] }, action: retry }',
      ],
    ],
    [
      'as a classification',
      [
        'targets:',
        '  - name: prod',
        '    provider: celigo',
        '    token: t',
        'retryPolicies:',
        '  - { name: p, match: { classification: [$' + '{CELIGO_TOKEN}] }, action: retry }',
      ],
    ],
    ['in broken YAML', ['targets:', '  - name: prod', '    provider: celigo', `    token: "${SECRET}`, '  bad: [']],
    [
      'in a bad regex',
      [
        'targets:',
        '  - name: prod',
        '    provider: celigo',
        '    token: t',
        'retryPolicies:',
        `  - { name: p, match: { message: "(${SECRET}" }, action: retry }`,
      ],
    ],
  ])('never appear in a problem (%s)', async (_where, docLines) => {
    const result = await loadConfigFromString(`${docLines.join('\n')}\n`, 't.yaml', env);
    expect(result.ok).toBe(false);
    const output = JSON.stringify(result);
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain('FAKE');
  });

  it('never appear in what validate prints', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'syncwatch-config-'));
    try {
      const file = path.join(dir, 'c.yaml');
      await writeFile(
        file,
        ['targets:', '  - name: prod', '    provider: ${CELIGO_TOKEN}', `    interval: ${SECRET}`, '    token: ${CELIGO_TOKEN}', ''].join(
          '\n',
        ),
      );
      const { out, text } = captured();
      expect(await validateConfigFile(file, env, out)).toBe(2);
      expect(text.stderr).toMatch(/c\.yaml:3:15 targets\[0\]\.provider: expected one of: celigo, airweave, neo/);
      expect(text.stderr).not.toContain('FAKE');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function captured() {
  const text = { stdout: '', stderr: '' };
  const out = {
    stdout: { write: (s: string) => (text.stdout += s) },
    stderr: { write: (s: string) => (text.stderr += s) },
  };
  return { out, text };
}

describe('validateConfigFile', () => {
  it('prints FILE: ok and returns 0 for a valid file', async () => {
    const { out, text } = captured();
    expect(await validateConfigFile(EXAMPLE, EXAMPLE_ENV, out)).toBe(0);
    expect(text).toEqual({ stdout: `${EXAMPLE}: ok\n`, stderr: '' });
  });

  it('prints one FILE:LINE:COL line per problem and returns 2', async () => {
    const { out, text } = captured();
    expect(await validateConfigFile(EXAMPLE, {}, out)).toBe(2);
    expect(text.stdout).toBe('');
    const printed = text.stderr.trim().split('\n');
    expect(printed).toHaveLength(10);
    for (const line of printed) expect(line).toMatch(new RegExp(`^${escapeRegExp(EXAMPLE)}:\\d+:\\d+ [\\w.\\[\\]]+: .+$`));
  });
});

describe('error classifications and sources in retry policies', () => {
  const policyDoc = (match: string) => `${MINIMAL}retryPolicies:\n  - name: p\n    match: ${match}\n    action: retry\n`;

  it('accepts every value the documents show, in any case, without a warning', async () => {
    const documented =
      'connection, duplicate, governance, intermittent, missing, parse, value, rate_limit, too_large, none, validation, data, system, Intermittent';
    const result = await loadConfigFromString(policyDoc(`{ classification: [${documented}], source: [user, application] }`), 't.yaml', {});
    expect(result.ok && result.warnings).toEqual([]);
  });

  it('validate warns (exit 0) about a policy naming a classification or source no document lists', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'syncwatch-config-'));
    try {
      const file = path.join(dir, 'c.yaml');
      await writeFile(file, policyDoc('{ classification: [intermittent, quarantined], source: [robot] }'));
      const { out, text } = captured();
      expect(await validateConfigFile(file, {}, out)).toBe(0);
      expect(text.stdout).toBe(`${file}: ok\n`);
      const lines = text.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        new RegExp(
          `^${escapeRegExp(file)}:7:45 retryPolicies\\[0\\]\\.match\\.classification\\[1\\]: warning: "quarantined" is not a classification the integrator\\.io documents list`,
        ),
      );
      expect(lines[1]).toMatch(
        new RegExp(`^${escapeRegExp(file)}:7:68 retryPolicies\\[0\\]\\.match\\.source\\[0\\]: warning: "robot" is not a source`),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('retryPoliciesFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'syncwatch-policies-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The example config with its inline policies replaced by `retryPoliciesFile: …`. */
  async function exampleWithPoliciesFile(policiesFile: string): Promise<string> {
    const text = await readFile(EXAMPLE, 'utf8');
    const inline = text.indexOf('\nretryPolicies:');
    const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, `${text.slice(0, inline)}\nretryPoliciesFile: ${policiesFile}\n`);
    return file;
  }

  it('loads the example policies file, relative to the config file', async () => {
    await writeFile(path.join(dir, 'policies.yaml'), await readFile(POLICIES_EXAMPLE, 'utf8'));
    const result = await loadConfig(await exampleWithPoliciesFile('policies.yaml'), EXAMPLE_ENV);
    const config = expectOk(result);
    expect(result.ok && result.warnings).toEqual([]);
    expect(config.retryPolicies.map((p) => p.name)).toEqual([
      'intermittent-with-backoff',
      'gateway-timeouts',
      'validation-fixed-upstream',
      'nightly-loads-rerun',
    ]);
    expect(config.retryPolicies[3]).toMatchObject({ action: 'rerun_flow', cooldown: 1_800_000, dryRun: true, minAge: 300_000 });
    expect(config.retryPoliciesFile).toBe(path.join(dir, 'policies.yaml'));
  });

  it('accepts a plain list of policies', async () => {
    await writeFile(path.join(dir, 'list.yaml'), '- name: p\n  match: { classification: [connection] }\n  action: rerun_flow\n');
    const config = expectOk(await loadConfig(await exampleWithPoliciesFile('list.yaml'), EXAMPLE_ENV));
    expect(config.retryPolicies).toEqual([expect.objectContaining({ name: 'p', action: 'rerun_flow', maxAttempts: 3 })]);
  });

  it("reports a problem inside the policies file with that file's name and position", async () => {
    const policies = path.join(dir, 'bad-policies.yaml');
    await writeFile(
      policies,
      [
        'retryPolicies:',
        '  - name: ok',
        '    match: { classification: [connection] }',
        '    action: retry',
        '  - name: broken',
        '    match:',
        '      targets: [staging]',
        '      classification: [flaky]',
        '    action: retry',
        '    minAge: soon',
        '',
      ].join('\n'),
    );
    const result = await loadConfig(await exampleWithPoliciesFile('bad-policies.yaml'), EXAMPLE_ENV);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      `${policies}:7:17 retryPolicies[1].match.targets[0]: target "staging" is not defined in targets`,
      `${policies}:10:13 retryPolicies[1].minAge: expected a duration like 30s, 10m, 6h`,
    ]);
  });

  it('reports problems of both files together, the config file first', async () => {
    await writeFile(path.join(dir, 'typo.yaml'), 'retryPolicies: []\nretryPolicy: []\n');
    const config = await exampleWithPoliciesFile('typo.yaml');
    const text = (await readFile(config, 'utf8')).replace('interval: 30s', 'interval: 30');
    await writeFile(config, text);
    const result = await loadConfig(config, EXAMPLE_ENV);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      `${config}:17:15 targets[0].interval: expected a duration like 30s, 10m, 6h`,
      `${path.join(dir, 'typo.yaml')}:2:1 retryPolicy: unknown key "retryPolicy"`,
    ]);
  });

  it('reports a missing policies file at the retryPoliciesFile value', async () => {
    const config = await exampleWithPoliciesFile('nowhere.yaml');
    const result = await loadConfig(config, EXAMPLE_ENV);
    const lines = (await readFile(config, 'utf8')).split('\n');
    const line = lines.findIndex((l) => l.startsWith('retryPoliciesFile:')) + 1;
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      `${config}:${line}:20 retryPoliciesFile: cannot read the retry policies file ${path.join(dir, 'nowhere.yaml')}: no such file`,
    ]);
  });
});

describe('configSchema', () => {
  it('accepts a Date for a silence (YAML 1.1 loaders produce one)', () => {
    const parsed = configSchema.parse({
      targets: [{ name: 'prod', provider: 'celigo', token: 't' }],
      silences: [{ match: { target: 'prod' }, until: new Date('2026-12-31T00:00:00Z') }],
    });
    expect(parsed.silences[0]?.until).toEqual(new Date('2026-12-31T00:00:00Z'));
    expect(parsed.retryPolicies).toEqual([]);
    expect(parsed.receivers).toEqual([]);
    expect(parsed.route).toBeUndefined();
  });

  it('lets sub-routes inherit: their timing is optional, their routes default to []', () => {
    const parsed = configSchema.parse({
      targets: [{ name: 'prod', provider: 'celigo', token: 't' }],
      receivers: [{ name: 'a', log: {} }],
      route: { receiver: 'a', routes: [{ match: { kind: 'SyncFailed' }, routes: [{ matchRe: { flow: '^Nightly' }, groupWait: '0s' }] }] },
    });
    expect(parsed.route?.routes).toEqual([
      {
        match: { kind: 'SyncFailed' },
        continue: false,
        routes: [{ matchRe: { flow: '^Nightly' }, groupWait: 0, continue: false, routes: [] }],
      },
    ]);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
