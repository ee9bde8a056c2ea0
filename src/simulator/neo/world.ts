// The simulated Neo tenant (seed 003): integrations in one of four states and the sync runs of the
// connected ones. ./routes.ts serves it: the `{data, meta}` envelope with cursor pagination
// (`meta.pagination.next_cursor` while `has_more`), errors as `{error: {code, message}, meta}`,
// Bearer auth, and the 30-day `since`…`until` window.

import { Random, uuid } from '../prng.ts';
import type { NeoIntegrationState, NeoRunStatus, ResolvedScenario } from '../scenario.ts';

export interface NeoSyncEntityFailure {
  resource_label: string;
  parent_label: string | null;
  reason: string;
  error_message: string;
}

export interface NeoSyncActivity {
  activity_label: string;
  synced_count: number;
  total_count: number;
  failures: NeoSyncEntityFailure[];
}

/** One SyncRun, exactly the seed's shape (every property required, nullable ones null). */
export interface NeoSyncRun {
  run_id: string;
  temporal_run_id: string | null;
  temporal_workflow_id: string | null;
  status: NeoRunStatus;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  dashboard_message: string | null;
  activities: NeoSyncActivity[];
}

export interface NeoSimIntegration {
  name: string;
  state: NeoIntegrationState;
  /** Oldest first. */
  runs: NeoSyncRun[];
}

/** What a run appended through the admin API looks like. */
export interface NeoRunOptions {
  status: NeoRunStatus;
  failures?: Array<{
    resource_label: string;
    parent_label?: string | null;
    reason: string;
    error_message: string;
    activity_label?: string;
  }>;
  error?: string | null;
  dashboardMessage?: string | null;
  startedAt?: string;
  finishedAt?: string;
  /** Append a new run even when the latest one is RUNNING (default: finish that one). */
  newRun?: boolean;
}

export interface NeoSummary {
  integrations: Array<{ name: string; state: NeoIntegrationState; runs: number; latestRunId?: string; latestStatus?: NeoRunStatus }>;
}

export const NEO_MAX_WINDOW_MS = 30 * 24 * 60 * 60_000;
const MINUTE = 60_000;
const ACTIVITIES = ['PSA Metadata', 'PSA Contacts', 'PSA Tickets'] as const;
const SAMPLE_FAILURES: Array<Omit<NeoSyncEntityFailure, 'parent_label'> & { parent_label: string | null; activity: string }> = [
  {
    activity: 'PSA Metadata',
    resource_label: 'Ticket Types',
    parent_label: 'Board 444',
    reason: 'permission_denied',
    error_message: 'The API member lacks access to ticket types on board 444',
  },
  {
    activity: 'PSA Contacts',
    resource_label: 'Contacts',
    parent_label: 'Acme Corp',
    reason: 'validation_error',
    error_message: 'Contact 1182 has no e-mail address',
  },
  {
    activity: 'PSA Tickets',
    resource_label: 'Tickets',
    parent_label: null,
    reason: 'rate_limited',
    error_message: 'PSA answered 429 after 5 attempts',
  },
];
const iso = (ms: number) => new Date(ms).toISOString();

export class NeoWorld {
  private readonly integrations = new Map<string, NeoSimIntegration>();
  private serial = 0;

  constructor(
    private readonly scenario: ResolvedScenario,
    private readonly now: () => number,
    generatedAt: number,
  ) {
    const interval = scenario.neo.runIntervalMinutes * MINUTE;
    scenario.neo.integrations.forEach((spec, i) => {
      const integration: NeoSimIntegration = { name: spec.name, state: spec.state, runs: [] };
      this.integrations.set(spec.name, integration);
      const n = spec.history.length;
      spec.history.forEach((status, j) => {
        const startedAt = generatedAt - (n - 1 - j) * interval - (10 + i * 3) * MINUTE;
        const rng = Random.for(scenario.seed, 'neo-run', spec.name, j);
        const failures = j === n - 1 ? spec.failures : 0;
        integration.runs.push(this.makeRun(spec.name, { status, startedAt: iso(startedAt) }, rng, failures));
      });
    });
  }

  getIntegration(name: string): NeoSimIntegration | undefined {
    return this.integrations.get(name);
  }

  /** Admin: sets an integration's state; `unknown` forgets it, an unknown name is created. */
  setState(name: string, state: NeoIntegrationState): void {
    if (state === 'unknown') {
      this.integrations.delete(name);
      return;
    }
    const existing = this.integrations.get(name);
    if (existing === undefined) this.integrations.set(name, { name, state, runs: [] });
    else existing.state = state;
  }

  /** Runs of a connected integration whose start lies in [since, until], newest first (then newest added). */
  runsBetween(integration: NeoSimIntegration, since: number, until: number): NeoSyncRun[] {
    const startOf = (r: NeoSyncRun) => (r.started_at === null ? NaN : Date.parse(r.started_at));
    return integration.runs
      .map((run, seq) => ({ run, seq, started: startOf(run) }))
      .filter(({ started }) => Number.isFinite(started) && started >= since && started <= until)
      .sort((a, b) => b.started - a.started || b.seq - a.seq)
      .map(({ run }) => run);
  }

  /**
   * Admin: a run ends as `status`. When the latest run is RUNNING and `status` is not, that run
   * finishes (same run_id); otherwise a new run is appended (RUNNING ones stay open).
   */
  addRun(name: string, o: NeoRunOptions): NeoSyncRun {
    const integration = this.integrations.get(name);
    if (integration === undefined) throw new Error(`no Neo integration ${name}`);
    const rng = Random.for(this.scenario.seed, 'neo-runtime', name, this.serial);
    const latest = integration.runs[integration.runs.length - 1];
    if (!o.newRun && latest !== undefined && latest.status === 'RUNNING' && o.status !== 'RUNNING') {
      const finished = this.makeRun(name, { ...o, startedAt: latest.started_at ?? iso(this.now()) }, rng, 0);
      Object.assign(latest, {
        ...finished,
        run_id: latest.run_id,
        temporal_run_id: latest.temporal_run_id,
        temporal_workflow_id: latest.temporal_workflow_id,
      });
      return latest;
    }
    const run = this.makeRun(name, { ...o, startedAt: o.startedAt ?? iso(this.now()) }, rng, 0);
    integration.runs.push(run);
    return run;
  }

  private makeRun(name: string, o: NeoRunOptions & { startedAt: string }, rng: Random, generatedFailures: number): NeoSyncRun {
    const serial = this.serial++;
    const started = Date.parse(o.startedAt);
    const finished = o.status === 'RUNNING' ? null : (o.finishedAt ?? iso(started + rng.int(20, 240) * 1000));
    const failures: Array<NeoSyncEntityFailure & { activity: string }> = (o.failures ?? []).map((f) => ({
      activity: f.activity_label ?? ACTIVITIES[0],
      resource_label: f.resource_label,
      parent_label: f.parent_label ?? null,
      reason: f.reason,
      error_message: f.error_message,
    }));
    for (let k = 0; k < generatedFailures; k++)
      failures.push({ ...(SAMPLE_FAILURES[k % SAMPLE_FAILURES.length] as (typeof SAMPLE_FAILURES)[number]) });
    const activities: NeoSyncActivity[] =
      o.status === 'SKIPPED'
        ? []
        : ACTIVITIES.map((label) => {
            const mine = failures.filter((f) => f.activity === label).map(({ activity: _a, ...f }) => f);
            const total = rng.int(5, 400);
            const done = o.status === 'RUNNING' ? rng.int(0, total) : Math.max(0, total - mine.length);
            return { activity_label: label, synced_count: done, total_count: total, failures: mine };
          });
    // Failures named for an activity the run does not have still show up, in a run of their own.
    for (const f of failures) {
      if (!activities.some((a) => a.activity_label === f.activity)) {
        const { activity, ...rest } = f;
        activities.push({ activity_label: activity, synced_count: 0, total_count: 1, failures: [rest] });
      }
    }
    const defaultError = o.status === 'FAILURE' ? 'PSA sync failed: 3 activities reported errors' : null;
    return {
      run_id: uuid(this.scenario.seed, `neo-run|${name}|${serial}`),
      temporal_run_id: uuid(this.scenario.seed, `neo-temporal|${name}|${serial}`),
      temporal_workflow_id: `psa-sync-${name}-${serial}`,
      status: o.status,
      started_at: o.startedAt,
      finished_at: finished,
      error: o.error === undefined ? defaultError : o.error,
      dashboard_message:
        o.dashboardMessage === undefined ? (o.status === 'SKIPPED' ? 'Skipped: previous sync still running' : null) : o.dashboardMessage,
      activities,
    };
  }

  summary(): NeoSummary {
    return {
      integrations: [...this.integrations.values()].map((i) => {
        const latest = i.runs[i.runs.length - 1];
        return {
          name: i.name,
          state: i.state,
          runs: i.runs.length,
          ...(latest === undefined ? {} : { latestRunId: latest.run_id, latestStatus: latest.status }),
        };
      }),
    };
  }
}
