// The contract checker itself: it must find the operations and catch drift, or the conformance
// tests prove nothing.

import { describe, expect, it } from 'vitest';
import { airweave } from './airweave.ts';
import { celigo } from './celigo.ts';
import { Contract, undeclaredProperties } from './check.ts';
import { neo } from './neo.ts';

const ID = '0123456789abcdef01234567';

describe('the contract checker', () => {
  const contract = new Contract(celigo);

  it('finds operations, statuses and bodies; 204 has none', () => {
    expect(contract.hasOperation('GET', '/v1/integrations/{_integrationId}/syncJobs/latest')).toBe(true);
    expect(contract.hasOperation('POST', '/v1/flows/{_id}/{_stepId}/retry_with_exponential_decay')).toBe(true);
    expect(contract.responseSchema('GET', '/v1/flows', 204)).toBeNull();
    expect(() => contract.responseSchema('GET', '/v1/flows', 418)).toThrow(/no 418 response/);
    expect(() => contract.operation('GET', '/v1/nothing')).toThrow(/has no GET \/v1\/nothing/);
  });

  it('catches wrong types, formats, enums and error codes', () => {
    const unauthorized = contract.responseSchema('GET', '/v1/syncJobs/{_syncJobId}', 401) ?? {};
    expect(contract.problems('401', unauthorized, { message: 'Unauthorized' })).toEqual([]);
    expect(contract.problems('401', unauthorized, { errors: [] })).not.toEqual([]);

    const family = contract.responseSchema('GET', '/v1/syncJobs/{_syncJobId}/family', 200) ?? {};
    const problems = contract.problems('family', family, { _id: 'short', status: 'queued', createdAt: 'yesterday', tables: [] }).join('\n');
    expect(problems).toMatch(/\/_id must match format "objectId"/);
    expect(problems).toMatch(/\/status must be equal to one of the allowed values/);
    expect(problems).toMatch(/\/createdAt must match format "date-time"/);

    const conflict = contract.responseSchema('POST', '/v1/syncs/{_syncId}/run', 409) ?? {};
    expect(contract.problems('409', conflict, { errors: [{ code: 'sync_job_already_queued', message: 'm' }] })).toEqual([]);
    expect(contract.problems('409', conflict, { errors: [{ code: 'invalid_ref', message: 'm' }] }).join('\n')).toMatch(
      /code must be equal to one of the allowed values/,
    );
  });

  it('flags fields the contract does not declare, through oneOf and arrays; open objects accept anything', () => {
    const flows = contract.responseSchema('GET', '/v1/flows', 200) ?? {};
    const flow = { _id: ID, name: 'f' };
    expect(undeclaredProperties(flows, [flow])).toEqual([]);
    expect(undeclaredProperties(flows, [{ ...flow, status: 'x', pageProcessors: [{ type: 'import', _importId: ID, extra: 1 }] }])).toEqual([
      '$[0].status',
      '$[0].pageProcessors[0].extra',
    ]);
    expect(undeclaredProperties(contract.responseSchema('POST', '/v1/flows/{_id}/run', 200) ?? {}, { _jobId: ID, more: 1 })).toEqual([]);
  });

  it('judges a whole answer: status, empty bodies, content type', () => {
    const answer = (status: number, text: string, contentType: string | null = 'application/json') => ({ status, text, contentType });
    expect(contract.answerProblems('GET', '/v1/flows', answer(204, ''))).toEqual([]);
    expect(contract.answerProblems('GET', '/v1/flows', answer(204, '[]'))).toEqual(['GET /v1/flows 204: documents no body, got []']);
    expect(contract.answerProblems('GET', '/v1/flows', answer(418, ''))).toEqual([
      'GET /v1/flows 418: the contract has no 418 for this operation',
    ]);
    expect(contract.answerProblems('GET', '/v1/flows', answer(200, '[]', 'text/html'))).toEqual([
      'GET /v1/flows 200: content-type text/html, not JSON',
    ]);
    // A flow run may answer 200 with no body (nothing queued), but a flow listing may not.
    expect(contract.answerProblems('POST', '/v1/flows/{_id}/run', answer(200, ''))).toEqual([]);
    expect(contract.answerProblems('GET', '/v1/flows', answer(200, ''))).toEqual(['GET /v1/flows 200: an empty body']);
  });

  it('every operation of every platform compiles, and answers 401', () => {
    for (const platform of [celigo, airweave, neo]) {
      const checker = new Contract(platform);
      for (const operation of platform.operations) {
        expect(Object.keys(operation.responses), `${operation.method} ${operation.path}`).toContain('401');
        for (const [status, response] of Object.entries(operation.responses)) {
          if (response.body !== undefined)
            expect(() => checker.problems(`${operation.path} ${status}`, response.body ?? {}, null)).not.toThrow();
        }
      }
    }
  });
});
