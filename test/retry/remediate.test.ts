// Retry reaches a platform only through its provider's remediation capability: a provider without
// one gets no retry jobs, whatever the policies say; one with it gets them, whatever its name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observation, StepErrors } from '../../src/model.ts';
import { celigoProvider } from '../../src/providers/celigo/index.ts';
import { providerConfigs } from '../../src/providers/configs.ts';
import { providers, type ProviderRegistry } from '../../src/providers/index.ts';
import { createRetrier, planRetries, compilePolicies, type RetrierTarget } from '../../src/retry/index.ts';
import { keyspace } from '../../src/state/keys.ts';
import { testRedis } from '../harness/redis.ts';
import { policy, quietLogger } from './helpers.ts';

let redisCtx: Awaited<ReturnType<typeof testRedis>>;
beforeAll(async () => {
  redisCtx = await testRedis('remediate');
});
afterAll(async () => {
  await redisCtx.cleanup();
});

const policies = [policy({ name: 'transient', match: { classification: ['intermittent'] }, action: 'retry' })];

function observationOf(provider: Observation['provider'], target: string): Observation {
  const step: StepErrors = {
    key: `${provider}/${target}/step/f1/s1`,
    provider,
    target,
    flowId: 'f1',
    flowName: 'Orders',
    stepId: 's1',
    openErrors: 4,
  };
  return { target, provider, observedAt: '2025-03-01T12:00:00Z', runs: [], stepErrors: [step] };
}

function retrierWith(targets: RetrierTarget[], providers?: ProviderRegistry) {
  return createRetrier({
    config: { targets, retryPolicies: policies },
    redis: redisCtx.redis,
    keys: keyspace(redisCtx.prefix),
    logger: quietLogger,
    httpFor: () => {
      throw new Error('no request is made for a target that cannot be remediated');
    },
    ...(providers ? { providers } : {}),
  });
}

describe('remediation is a capability of the provider', () => {
  it('a target of a provider without remediate gets no retry job (airweave, neo in the registry)', async () => {
    const retrier = retrierWith([
      { name: 'aw', provider: 'airweave' },
      { name: 'nx', provider: 'neo' },
    ]);
    expect(await retrier.plan(observationOf('airweave', 'aw'), 'c1')).toEqual([]);
    expect(await retrier.plan(observationOf('neo', 'nx'), 'c1')).toEqual([]);
    expect(retrier.canRemediate('airweave')).toBe(false);
    expect(retrier.canRemediate('celigo')).toBe(true);
  });

  it('the same Celigo observation plans a job with remediate, none when the registry gives a provider without it', async () => {
    const { remediate: _remediate, ...observeOnly } = celigoProvider;
    const withIt = retrierWith([{ name: 'prod', provider: 'celigo' }]);
    const without = retrierWith([{ name: 'prod', provider: 'celigo' }], { celigo: observeOnly });
    const observation = observationOf('celigo', 'prod');
    expect((await withIt.plan(observation, 'c1')).map((j) => j.resource)).toEqual(['celigo/prod/step/f1/s1']);
    expect(await without.plan(observation, 'c1')).toEqual([]);
    // A job that was queued anyway (a config changed meanwhile) does nothing and says so.
    const [job] = await withIt.plan(observation, 'c2');
    expect(await without.process(job!)).toMatchObject({ status: 'gone', events: [] });
  });

  it('planRetries asks the capability, not the provider name', () => {
    const compiled = compilePolicies(policies);
    const observation = observationOf('neo', 'nx');
    expect(planRetries(observation, 'c1', compiled)).toEqual([]);
    expect(planRetries(observation, 'c1', compiled, new Set(), () => true)).toHaveLength(1);
  });

  it("the config's provider registry says `remediable` exactly for the providers that have remediate (what validate checks policies against)", () => {
    expect(providerConfigs.map((c) => [c.provider, c.remediable])).toEqual(
      providerConfigs.map((c) => [c.provider, providers[c.provider]?.remediate !== undefined]),
    );
    expect(Object.keys(providers).sort()).toEqual(providerConfigs.map((c) => c.provider).sort());
  });
});
