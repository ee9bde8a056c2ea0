// Policy matching as tables: every criterion, globs on ids and names, first match wins.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import type { OpenError } from '../../src/model.ts';
import { compilePolicies, matchPolicy, type MatchContext } from '../../src/retry/index.ts';
import { EXAMPLE_ENV } from '../config/example-env.ts';
import { policy } from './helpers.ts';

const ctx: MatchContext = {
  target: 'celigo-prod',
  integrationId: 'int-1',
  integrationName: 'NetSuite Orders',
  flowId: 'flow-1',
  flowName: 'Orders to NetSuite',
  stepId: 'imp-1',
};
const error: OpenError = {
  errorId: 'e1',
  retryDataKey: 'k1',
  classification: 'intermittent',
  source: 'application',
  code: '503',
  message: 'Service Unavailable: read timed out',
};

type Row = [string, Parameters<typeof policy>[0]['match'], Partial<OpenError>, Partial<MatchContext>, boolean];

describe('matchPolicy: each criterion', () => {
  const rows: Row[] = [
    ['targets: exact name', { targets: ['celigo-prod'] }, {}, {}, true],
    ['targets: other name', { targets: ['celigo-dev'] }, {}, {}, false],
    ['targets: glob', { targets: ['celigo-*'] }, {}, {}, true],
    ['targets: ? glob', { targets: ['celigo-pro?'] }, {}, {}, true],
    ['targets: globs are case-sensitive (as validated)', { targets: ['CELIGO-*'] }, {}, {}, false],
    ['integrations: id', { integrations: ['int-1'] }, {}, {}, true],
    ['integrations: name glob', { integrations: ['NetSuite*'] }, {}, {}, true],
    ['integrations: name glob, any case', { integrations: ['netsuite orders'] }, {}, {}, true],
    ['integrations: no match', { integrations: ['Shopify*'] }, {}, {}, false],
    [
      'integrations: a flow without integration',
      { integrations: ['*'] },
      {},
      { integrationId: undefined, integrationName: undefined },
      false,
    ],
    ['flows: id', { flows: ['flow-1'] }, {}, {}, true],
    ['flows: name glob', { flows: ['Orders to *'] }, {}, {}, true],
    ['flows: one of several', { flows: ['x', 'y', '*NetSuite'] }, {}, {}, true],
    ['flows: no match', { flows: ['Invoices*'] }, {}, {}, false],
    ['steps: id', { steps: ['imp-1'] }, {}, {}, true],
    ['steps: glob', { steps: ['imp-*'] }, {}, {}, true],
    ['steps: no match', { steps: ['exp-*'] }, {}, {}, false],
    ['steps: never a sync (no step)', { steps: ['*'] }, {}, { stepId: undefined }, false],
    ['classification: listed', { classification: ['intermittent', 'rate_limit'] }, {}, {}, true],
    ['classification: not listed', { classification: ['connection'] }, {}, {}, false],
    ['classification: error has none', { classification: ['intermittent'] }, { classification: undefined }, {}, false],
    ['source: listed', { source: ['application'] }, {}, {}, true],
    ['source: not listed', { source: ['connection'] }, {}, {}, false],
    ['source: error has none', { source: ['application'] }, { source: undefined }, {}, false],
    ['code: regex matches', { code: '^(408|502|503|504)$' }, {}, {}, true],
    ['code: regex does not match', { code: '^(408|502|504)$' }, {}, {}, false],
    ['code: error has none', { code: '.*' }, { code: undefined }, {}, false],
    ['message: regex matches', { message: 'timed? ?out|ECONNRESET' }, {}, {}, true],
    ['message: regex is case-sensitive', { message: 'SERVICE' }, {}, {}, false],
    ['message: no match', { message: '^Invalid' }, {}, {}, false],
    [
      'all criteria together',
      {
        targets: ['celigo-*'],
        integrations: ['int-1'],
        flows: ['Orders*'],
        steps: ['imp-1'],
        classification: ['intermittent'],
        source: ['application'],
        code: '^5',
        message: 'timed out',
      },
      {},
      {},
      true,
    ],
    [
      'all but one criterion',
      {
        targets: ['celigo-*'],
        integrations: ['int-1'],
        flows: ['Orders*'],
        steps: ['imp-1'],
        classification: ['intermittent'],
        source: ['application'],
        code: '^4',
        message: 'timed out',
      },
      {},
      {},
      false,
    ],
  ];
  it.each(rows)('%s', (_name, match, errorOver, ctxOver, expected) => {
    const policies = compilePolicies([policy({ name: 'p', match, action: 'retry' })]);
    const got = matchPolicy(policies, { ...error, ...errorOver }, { ...ctx, ...ctxOver });
    expect(got?.name).toBe(expected ? 'p' : undefined);
  });
});

describe('matchPolicy: first match in file order wins', () => {
  const policies = compilePolicies([
    policy({ name: 'timeouts', match: { message: 'timed out' }, action: 'retry' }),
    policy({ name: 'intermittent', match: { classification: ['intermittent'] }, action: 'retry_with_backoff' }),
    policy({ name: 'orders-flow', match: { flows: ['Orders*'] }, action: 'retry' }),
    policy({ name: 'connection', match: { classification: ['connection'] }, action: 'rerun_flow' }),
  ]);
  it.each([
    ['both of the first two match: the first', { message: 'read timed out', classification: 'intermittent' }, 'timeouts'],
    ['only the second and third match: the second', { message: 'boom', classification: 'intermittent' }, 'intermittent'],
    ['only the third matches', { message: 'boom', classification: 'value' }, 'orders-flow'],
  ] as const)('%s', (_n, over, expected) => {
    expect(matchPolicy(policies, { ...error, ...over }, ctx)?.name).toBe(expected);
  });
  it('nothing matches: undefined', () => {
    expect(
      matchPolicy(policies, { ...error, message: 'x', classification: 'value' }, { ...ctx, flowName: 'Invoices' })?.name,
    ).toBeUndefined();
  });
  it('order is the order given, not by specificity', () => {
    const reversed = compilePolicies([
      policy({ name: 'broad', match: { targets: ['*'] }, action: 'retry' }),
      policy({ name: 'narrow', match: { targets: ['celigo-prod'], code: '^503$' }, action: 'retry' }),
    ]);
    expect(matchPolicy(reversed, error, ctx)?.name).toBe('broad');
  });
});

describe('compiling', () => {
  it("compiles the example configuration's policies once, with their regexes", async () => {
    const loaded = await loadConfig(path.resolve('config/syncwatch.example.yaml'), EXAMPLE_ENV);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const policies = compilePolicies(loaded.config.retryPolicies);
    expect(policies.map((p) => p.name)).toEqual(loaded.config.retryPolicies.map((p) => p.name));
    const timeout = { errorId: 'x', source: 'application', code: '504', message: 'ESOCKETTIMEDOUT: timed out', classification: 'value' };
    expect(matchPolicy(policies, timeout, { target: 'celigo-prod', flowId: 'f', flowName: 'f', stepId: 's' })?.name).toBe(
      'timeouts-on-imports',
    );
    expect(
      matchPolicy(policies, { ...timeout, classification: 'rate_limit' }, { target: 'celigo-prod', flowId: 'f', stepId: 's' })?.name,
    ).toBe('intermittent-with-backoff');
  });

  it('the regexes are built at compile time, not per error', () => {
    const original = globalThis.RegExp;
    const policies = compilePolicies([policy({ name: 'p', match: { code: '^5', message: 'out', flows: ['Orders*'] }, action: 'retry' })]);
    let built = 0;
    globalThis.RegExp = new Proxy(original, { construct: (t, args) => (built++, Reflect.construct(t, args)) });
    try {
      for (let i = 0; i < 100; i++) matchPolicy(policies, error, ctx);
    } finally {
      globalThis.RegExp = original;
    }
    expect(built).toBe(0);
  });
});
