// The conformance checker itself: it must find the seeds' operations and catch drift, or the
// conformance test proves nothing.

import { describe, expect, it } from 'vitest';
import { Contract, loadSeedDocuments, undeclaredProperties } from './openapi.ts';

describe('the seed contract checker', () => {
  const contract = Contract.load();

  it('reads every OpenAPI block of the Syncs and Flows seeds', () => {
    expect(loadSeedDocuments().length).toBeGreaterThan(40);
    expect(contract.hasOperation('GET', '/v1/integrations/{_integrationId}/syncJobs/latest')).toBe(true);
    expect(contract.hasOperation('POST', '/v1/flows/{_id}/{_stepId}/retry_with_exponential_decay')).toBe(true);
    expect(contract.responseSchema('GET', '/v1/flows', 204)).toBeNull();
    expect(() => contract.responseSchema('GET', '/v1/flows', 418)).toThrow(/documents no 418/);
  });

  it('resolves response refs and catches wrong types, formats and enums', () => {
    const unauthorized = contract.responseSchema('GET', '/v1/syncJobs/{_syncJobId}', 401);
    expect(contract.problems('401', unauthorized ?? {}, { message: 'Unauthorized' })).toEqual([]);
    expect(contract.problems('401', unauthorized ?? {}, { errors: [] })).not.toEqual([]);

    const family = contract.responseSchema('GET', '/v1/syncJobs/{_syncJobId}/family', 200) ?? {};
    const problems = contract.problems('family', family, { _id: 'short', status: 'queued', createdAt: 'yesterday', tables: [] });
    expect(problems.join('\n')).toMatch(/\/_id must match format "objectId"/);
    expect(problems.join('\n')).toMatch(/\/status must be equal to one of the allowed values/);
    expect(problems.join('\n')).toMatch(/\/createdAt must match format "date-time"/);
  });

  it('flags properties a schema does not declare, through allOf/oneOf and arrays', () => {
    const flows = contract.responseSchema('GET', '/v1/flows', 200) ?? {};
    const flow = { _id: '0123456789abcdef01234567', name: 'f', settings: { free: 'form' } };
    expect(undeclaredProperties(flows, [flow])).toEqual([]);
    expect(undeclaredProperties(flows, [{ ...flow, status: 'x', pageProcessors: [{ type: 'import', _importId: flow._id, extra: 1 }] }])).toEqual([
      '$[0].status',
      '$[0].pageProcessors[0].extra',
    ]);
    // FlowRunResponse's "Scheduled run" branch allows any property.
    expect(undeclaredProperties(contract.responseSchema('POST', '/v1/flows/{_id}/run', 200) ?? {}, { _jobId: 'x', more: 1 })).toEqual([]);
  });
});
