// Alert transitions of every kind, as the watch loop makes them.
import type { AlertEvent, AlertKind } from '../../src/alert/model.ts';
import { DEFAULT_SEVERITY, fingerprintOf } from '../../src/alert/model.ts';

export const HOSTILE_ERROR = 'Bad <record> & `code` here <!channel> <@U123> <!here|here> ```boom```';

export function alertOf(
  kind: AlertKind,
  opts: { id?: string; target?: string; status?: 'firing' | 'resolved'; update?: boolean; tx?: string; error?: string; link?: string } = {},
): AlertEvent {
  const target = opts.target ?? 'celigo-prod';
  const id = opts.id ?? 'f1';
  const status = opts.status ?? 'firing';
  const base = { target, provider: 'celigo' as const, kind, severity: DEFAULT_SEVERITY[kind] };
  const startsAt = '2026-05-01T10:00:00.000Z';
  const common = {
    status,
    ...(opts.update ? { update: true } : {}),
    startsAt,
    ...(status === 'resolved' ? { endsAt: '2026-05-01T11:00:00.000Z' } : {}),
  };
  const tx = (resource: string) => opts.tx ?? `${fingerprintOf(kind, resource)}|${status}|${opts.update ? 'u' : ''}1`;
  switch (kind) {
    case 'TargetDown': {
      const resource = `celigo/${target}/target`;
      return {
        fingerprint: fingerprintOf(kind, resource),
        labels: { ...base, resource },
        annotations: {
          summary: `${target} cannot be polled: 3 failed polls in a row (upstream)`,
          error: opts.error ?? 'connect ECONNREFUSED',
          errorKind: 'upstream',
          failures: 3,
        },
        ...common,
        transitionId: tx(resource),
      };
    }
    case 'TargetMisconfigured': {
      const resource = `neo/${target}`;
      return {
        fingerprint: fingerprintOf(kind, resource),
        labels: { ...base, provider: 'neo' as const, resource },
        annotations: {
          summary: `${target} has 1 configuration problem(s): halopsa`,
          error: opts.error ?? 'halopsa: integration halopsa is not connected',
          errorKind: 'config',
        },
        ...common,
        transitionId: tx(resource),
      };
    }
    case 'ResourceUnreadable': {
      const resource = `celigo/${target}/step/${id}`;
      return {
        fingerprint: fingerprintOf(kind, resource),
        labels: { ...base, resource },
        annotations: {
          summary: `Orders ${id} could not be read in 3 polls in a row (malformed); its alerts are on hold`,
          name: `Orders ${id}`,
          error: opts.error ?? 'GET /v1/flows/f1/errors → 200: response is not valid JSON',
          errorKind: 'malformed',
          failures: 3,
          ...(opts.link ? { link: opts.link } : {}),
        },
        ...common,
        transitionId: tx(resource),
      };
    }
    case 'FlowErrors':
    case 'RetryExhausted': {
      const resource = `celigo/${target}/step/${id}/imp1`;
      return {
        fingerprint: fingerprintOf(kind, resource),
        labels: { ...base, resource, integration: 'int1', flow: id, step: 'imp1' },
        annotations: {
          summary:
            kind === 'FlowErrors'
              ? `5 new error(s) on flow Orders ${id}, step imp1 (7 open)`
              : `retry policy gave up on 3 record(s) of flow Orders ${id}`,
          name: `Orders ${id}`,
          delta: 5,
          total: 7,
          samples: [
            { errorId: 'e1', classification: 'rate_limit', code: '429', message: opts.error ?? 'Too many requests' },
            { errorId: 'e2', classification: 'rate_limit', code: '429', message: 'Too many requests' },
            { errorId: 'e3', classification: 'connection', code: 'ECONNRESET', message: 'socket hang up' },
          ],
          ...(opts.link ? { link: opts.link } : {}),
        },
        ...common,
        transitionId: tx(resource),
      };
    }
    case 'SyncPartial': {
      // A Data Loader job that completed with errors in some tables.
      const resource = `celigo/${target}/sync/${id}`;
      return {
        fingerprint: fingerprintOf(kind, resource),
        labels: { ...base, resource, integration: 'int1', sync: id },
        annotations: {
          summary: `sync ${id} succeeded with 3 failed record(s)`,
          name: id,
          runId: 'job1',
          runStatus: 'succeeded',
          ...(status === 'firing'
            ? { error: `3 error(s) in 1 table(s): contacts (3)\n- contacts: STRING_TOO_LONG: ${opts.error ?? 'value too long for EMAIL'}` }
            : {}),
          ...(status === 'firing'
            ? { failedRecords: [{ resource: 'contacts', reason: 'completed', message: '3 error(s)', count: 3 }] }
            : {}),
          startedAt: '2026-05-01T09:59:00.000Z',
          counts: { read: 120, written: 117, failed: 3 },
          ...(opts.link ? { link: opts.link } : {}),
        },
        ...common,
        transitionId: tx(resource),
      };
    }
    default: {
      const resource = `celigo/${target}/flow/${id}`;
      return {
        fingerprint: fingerprintOf(kind, resource),
        labels: { ...base, resource, integration: 'int1', flow: id },
        annotations: {
          summary: `flow Orders ${id} ${kind === 'SyncFailed' ? 'failed' : kind === 'SyncStuck' ? 'has been running since 2026-05-01T09:00:00Z' : 'has not succeeded since 2026-04-30T10:00:00Z'}`,
          name: `Orders ${id}`,
          runId: 'run1',
          runStatus: status === 'resolved' ? 'succeeded' : kind === 'SyncStuck' ? 'running' : 'failed',
          ...(kind === 'SyncFailed' && status === 'firing' ? { error: opts.error ?? 'HTTP 500 from NetSuite' } : {}),
          startedAt: '2026-05-01T09:59:00.000Z',
          counts: { read: 120, written: 100, failed: 20 },
          ...(opts.link ? { link: opts.link } : {}),
        },
        ...common,
        transitionId: tx(resource),
      };
    }
  }
}
