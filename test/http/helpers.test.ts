import { describe, expect, it } from 'vitest';
import {
  fullJitterBackoffMs,
  endpointName,
  extractErrorInfo,
  findNextLink,
  parseLinkHeader,
  parseRetryAfterMs,
  realClock,
} from '../../src/http/index.ts';

describe('parseLinkHeader / findNextLink', () => {
  it.each<[string, string | undefined]>([
    // header                                                                        next
    ['<https://api.integrator.io/v1/flows?page=2>; rel="next"', 'https://api.integrator.io/v1/flows?page=2'],
    ['</v1/flows?page=2>;rel=next', '/v1/flows?page=2'],
    ['<a>; rel="prev", <b>; rel="next"', 'b'],
    ['  <a> ;  rel = "first"  ,  <b> ; rel="next last"  ', 'b'],
    ['<a?x=1,2>; rel="next"', 'a?x=1,2'],
    ['<a>; title="one, two; three"; rel="next"', 'a'],
    ['<a>; rel="NEXT"', 'a'],
    ['<a>; rel="prev"', undefined],
    ['garbage, <b>; rel="next"', 'b'],
    ['', undefined],
  ])('%s', (header, next) => {
    expect(findNextLink(header)).toBe(next);
  });

  it('keeps every link with its params', () => {
    expect(parseLinkHeader('<a>; rel="first start"; title="x", <b>; rel=next')).toEqual([
      { url: 'a', rels: ['first', 'start'], params: { rel: 'first start', title: 'x' } },
      { url: 'b', rels: ['next'], params: { rel: 'next' } },
    ]);
  });
});

describe('endpointName', () => {
  it.each([
    ['GET', '/v1/flows', 'GET /v1/flows'],
    ['GET', '/v1/flows/5f0c3a9e8b1d2c0012345678/errors?x=1', 'GET /v1/flows/{id}/errors'],
    ['post', '/v1/flows/5f0c3a9e8b1d2c0012345678/5f0c3a9e8b1d2c0012345679/retry', 'POST /v1/flows/{id}/{id}/retry'],
    ['GET', '/source-connections/3FA85F64-5717-4562-B3FC-2C963F66AFA6/jobs', 'GET /source-connections/{id}/jobs'],
    ['GET', '/v1/jobs/1234567890', 'GET /v1/jobs/{id}'],
    ['GET', '/public-api/integrations/connectwise/sync-runs', 'GET /public-api/integrations/connectwise/sync-runs'],
  ])('%s %s', (method, path, expected) => {
    expect(endpointName(method, path)).toBe(expected);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  it.each<[string | undefined, number | undefined]>([
    ['2', 2000],
    [' 0 ', 0],
    ['1.5', 1500],
    ['Sat, 01 Mar 2025 12:00:30 GMT', 30_000],
    ['Sat, 01 Mar 2025 11:59:00 GMT', 0], // in the past: go now
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s', (value, expected) => {
    expect(parseRetryAfterMs(value, now)).toBe(expected);
  });
});

describe('fullJitterBackoffMs', () => {
  it.each([
    // attempt random expected (base 250, cap 10_000)
    [0, 1, 250],
    [1, 1, 500],
    [3, 1, 2000],
    [6, 1, 10_000], // 16_000 capped
    [2, 0.5, 500],
    [2, 0, 0],
  ])('attempt %i with random %f → %i ms', (attempt, random, expected) => {
    expect(fullJitterBackoffMs(attempt, 250, 10_000, () => random)).toBe(expected);
  });
});

describe('extractErrorInfo', () => {
  it.each<[string, unknown, { code?: string; message?: string }]>([
    [
      'Celigo envelope',
      { errors: [{ code: 'invalid_ref', message: 'Bad ref', field: '_id' }] },
      { code: 'invalid_ref', message: 'Bad ref' },
    ],
    ['Celigo integer code', { errors: [{ code: 500, message: 'Upstream' }] }, { code: '500', message: 'Upstream' }],
    ['Celigo bare 401', { message: 'Bearer Authentication Failed' }, { message: 'Bearer Authentication Failed' }],
    ['Neo envelope', { error: { code: 'rate_limited', message: 'Slow down' } }, { code: 'rate_limited', message: 'Slow down' }],
    ['FastAPI string', { detail: 'Not found' }, { message: 'Not found' }],
    [
      'FastAPI list',
      { detail: [{ loc: ['body', 'x'], msg: 'required', type: 'missing' }] },
      { code: 'missing', message: 'body.x: required' },
    ],
    ['not JSON', undefined, {}],
    ['array', [1, 2], {}],
  ])('%s', (_case, body, expected) => {
    expect(extractErrorInfo(body)).toEqual(expected);
  });
});

describe('realClock', () => {
  it('rejects a sleep whose signal is aborted instead of waiting it out', async () => {
    const controller = new AbortController();
    const sleeping = realClock.sleep(3_600_000, controller.signal);
    controller.abort(new Error('shutdown'));
    await expect(sleeping).rejects.toThrow();
  });
});
