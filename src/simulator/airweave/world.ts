// The simulated Airweave organisation (seeds 001 source-connection jobs and 002 organisation-wide
// sync jobs): syncs, one source connection each, and their job history. Jobs are kept in one
// internal form and served in either seed's shape — upper-case statuses and entities_failed for
// 001, lower-case statuses, sync_name and the longer count list for 002. The routes that serve
// it (auth schemes, FastAPI-style errors) are in ./routes.ts.

import { Random, uuid } from '../prng.ts';
import { SIM_USER_EMAIL, type AirweaveJobStatus, type ResolvedScenario } from '../scenario.ts';

/** Seed 001: `GET /source-connections/{source_connection_id}/jobs`. */
export interface AirweaveSourceConnectionJob {
  id: string;
  source_connection_id: string;
  status: 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLING' | 'CANCELLED';
  started_at: string | null;
  completed_at: string | null;
  duration_seconds: number | null;
  entities_inserted: number | null;
  entities_updated: number | null;
  entities_deleted: number | null;
  entities_failed: number | null;
  error: string | null;
  error_details: Record<string, unknown> | null;
}

/** Seed 002: `GET /v1/sync/jobs`. */
export interface AirweaveSyncJob {
  id: string;
  sync_id: string;
  sync_name: string;
  organization_id: string;
  status: 'created' | 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';
  scheduled: boolean;
  entities_inserted: number;
  entities_updated: number;
  entities_deleted: number;
  entities_kept: number;
  entities_skipped: number;
  entities_encountered: Record<string, number>;
  started_at: string | null;
  completed_at: string | null;
  failed_at: string | null;
  error: string | null;
  created_at: string;
  modified_at: string;
  created_by_email: string | null;
  modified_by_email: string | null;
}

const UPPER: Record<AirweaveJobStatus, AirweaveSourceConnectionJob['status']> = {
  created: 'PENDING',
  pending: 'PENDING',
  running: 'RUNNING',
  completed: 'COMPLETED',
  failed: 'FAILED',
  cancelling: 'CANCELLING',
  cancelled: 'CANCELLED',
};

/** Seed 002 has no word for "cancelling": the job is still running. */
const LOWER: Record<AirweaveJobStatus, AirweaveSyncJob['status']> = {
  created: 'created',
  pending: 'pending',
  running: 'in_progress',
  completed: 'completed',
  failed: 'failed',
  cancelling: 'in_progress',
  cancelled: 'cancelled',
};

const TERMINAL = new Set<AirweaveJobStatus>(['completed', 'failed', 'cancelled']);
const STARTED = new Set<AirweaveJobStatus>(['running', 'completed', 'failed', 'cancelling', 'cancelled']);

interface AirweaveJobRecord {
  id: string;
  /** Creation order: ties of createdAt list the newer job first. */
  seq: number;
  syncId: string;
  status: AirweaveJobStatus;
  scheduled: boolean;
  createdAt: number;
  startedAt?: number;
  endedAt?: number;
  modifiedAt: number;
  inserted: number;
  updated: number;
  deleted: number;
  kept: number;
  skipped: number;
  failed: number;
  entityType: string;
  error?: string;
  errorDetails?: Record<string, unknown>;
}

export interface AirweaveSimSync {
  id: string;
  sourceConnectionId: string;
  name: string;
  /** Oldest first; the last one is the latest job. */
  jobs: AirweaveJobRecord[];
}

/** What a job added or finished through the admin API looks like. */
export interface AirweaveJobOptions {
  status?: AirweaveJobStatus;
  error?: string;
  errorDetails?: Record<string, unknown>;
  entitiesInserted?: number;
  entitiesUpdated?: number;
  entitiesDeleted?: number;
  entitiesFailed?: number;
  scheduled?: boolean;
  startedAt?: string;
}

export interface AirweaveSummary {
  organizationId: string;
  syncs: Array<{
    id: string;
    sourceConnectionId: string;
    name: string;
    latestJobId?: string;
    latestStatus?: AirweaveJobStatus;
    jobs: number;
  }>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

export class AirweaveWorld {
  readonly organizationId: string;
  readonly syncs: AirweaveSimSync[] = [];
  private readonly byId = new Map<string, AirweaveSimSync>();
  private readonly bySourceConnection = new Map<string, AirweaveSimSync>();
  private serial = 0;

  constructor(
    private readonly scenario: ResolvedScenario,
    private readonly now: () => number,
    generatedAt: number,
  ) {
    this.organizationId = scenario.airweave.organizationId;
    scenario.airweave.syncs.forEach((spec, i) => {
      const sync: AirweaveSimSync = { id: spec.id, sourceConnectionId: spec.sourceConnectionId, name: spec.name, jobs: [] };
      this.syncs.push(sync);
      this.byId.set(sync.id, sync);
      this.bySourceConnection.set(sync.sourceConnectionId, sync);
      const n = spec.history.length;
      const latestCompleted = spec.history.lastIndexOf('completed');
      spec.history.forEach((status, j) => {
        // Every 6 hours, staggered per sync; the latest began 20 minutes (plus the stagger) ago.
        const createdAt = generatedAt - (n - 1 - j) * 6 * HOUR - (20 + i * 7) * MINUTE;
        const rng = Random.for(scenario.seed, 'airweave-job', i, j);
        const options: AirweaveJobOptions = { status, scheduled: true };
        if (j === latestCompleted) options.entitiesFailed = spec.entitiesFailed;
        if (spec.error !== undefined) options.error = spec.error;
        this.addJob(sync, createdAt, options, rng);
      });
    });
  }

  getSync(id: string): AirweaveSimSync | undefined {
    return this.byId.get(id);
  }

  syncOfSourceConnection(id: string): AirweaveSimSync | undefined {
    return this.bySourceConnection.get(id);
  }

  /** Every job of the organisation, newest first (by creation). */
  allJobs(): AirweaveJobRecord[] {
    return this.syncs.flatMap((s) => s.jobs).sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq);
  }

  /** A sync's jobs, newest first (by creation). */
  jobsOf(sync: AirweaveSimSync): AirweaveJobRecord[] {
    return [...sync.jobs].sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq);
  }

  private addJob(sync: AirweaveSimSync, createdAt: number, o: AirweaveJobOptions, rng: Random): AirweaveJobRecord {
    const status = o.status ?? 'completed';
    const record: AirweaveJobRecord = {
      seq: this.serial,
      id: uuid(this.scenario.seed, `airweave-job|${sync.id}|${this.serial++}`),
      syncId: sync.id,
      status: 'created',
      scheduled: o.scheduled ?? false,
      createdAt,
      modifiedAt: createdAt,
      inserted: 0,
      updated: 0,
      deleted: 0,
      kept: 0,
      skipped: 0,
      failed: 0,
      entityType: `${sync.name.split(/\s+/)[0] ?? 'Generic'}Entity`.replace(/[^A-Za-z]/g, ''),
    };
    sync.jobs.push(record);
    this.setStatus(record, status, createdAt, o, rng);
    return record;
  }

  /** Moves a job to `status` at time `at`, with counts and errors as a job of that status has them. */
  private setStatus(record: AirweaveJobRecord, status: AirweaveJobStatus, at: number, o: AirweaveJobOptions, rng: Random): void {
    record.status = status;
    record.modifiedAt = at;
    if (STARTED.has(status) && record.startedAt === undefined) {
      record.startedAt = o.startedAt !== undefined ? Date.parse(o.startedAt) : Math.min(at, record.createdAt + 15_000);
    }
    if (TERMINAL.has(status)) {
      record.endedAt = Math.max(at, (record.startedAt ?? record.createdAt) + rng.int(30, 600) * 1000);
      record.modifiedAt = record.endedAt;
    }
    if (status === 'completed' || status === 'failed' || status === 'cancelled') {
      record.inserted = o.entitiesInserted ?? rng.int(0, 60);
      record.updated = o.entitiesUpdated ?? rng.int(0, 20);
      record.deleted = o.entitiesDeleted ?? rng.int(0, 5);
      record.kept = rng.int(50, 200);
      record.skipped = rng.int(0, 3);
    }
    record.failed = status === 'completed' ? (o.entitiesFailed ?? 0) : status === 'failed' ? (o.entitiesFailed ?? rng.int(1, 10)) : 0;
    if (status === 'failed') {
      record.error = o.error ?? 'Source authentication failed: token expired';
      record.errorDetails = o.errorDetails ?? { stage: 'extract', error_type: 'SourceAuthError' };
    } else {
      delete record.error;
      delete record.errorDetails;
    }
  }

  private rng(label: string): Random {
    return Random.for(this.scenario.seed, 'airweave-runtime', label, this.serial);
  }

  /** Admin: appends a job with any status (default completed), created now. */
  appendJob(syncId: string, o: AirweaveJobOptions): AirweaveJobRecord {
    const sync = this.requireSync(syncId);
    return this.addJob(
      sync,
      o.startedAt !== undefined ? Date.parse(o.startedAt) : this.now(),
      { scheduled: false, ...o },
      this.rng('append'),
    );
  }

  /** Admin: a new pending or running job (default running). */
  startJob(syncId: string, o: AirweaveJobOptions): AirweaveJobRecord {
    return this.appendJob(syncId, { ...o, status: o.status ?? 'running' });
  }

  /** Admin: finishes the latest job if it is not over, else appends one that ran and ended now. */
  finishJob(syncId: string, status: 'completed' | 'failed' | 'cancelled' | 'cancelling', o: AirweaveJobOptions): AirweaveJobRecord {
    const sync = this.requireSync(syncId);
    const latest = sync.jobs[sync.jobs.length - 1];
    if (latest !== undefined && !TERMINAL.has(latest.status)) {
      this.setStatus(latest, status, this.now(), o, this.rng('finish'));
      return latest;
    }
    return this.appendJob(syncId, { ...o, status });
  }

  private requireSync(syncId: string): AirweaveSimSync {
    const sync = this.byId.get(syncId);
    if (sync === undefined) throw new Error(`no Airweave sync ${syncId}`);
    return sync;
  }

  sourceConnectionJob(record: AirweaveJobRecord): AirweaveSourceConnectionJob {
    const sync = this.requireSync(record.syncId);
    const counted = record.status === 'completed' || record.status === 'failed' || record.status === 'cancelled';
    return {
      id: record.id,
      source_connection_id: sync.sourceConnectionId,
      status: UPPER[record.status],
      started_at: record.startedAt === undefined ? null : iso(record.startedAt),
      completed_at: record.endedAt === undefined ? null : iso(record.endedAt),
      duration_seconds: record.endedAt === undefined || record.startedAt === undefined ? null : (record.endedAt - record.startedAt) / 1000,
      entities_inserted: counted ? record.inserted : 0,
      entities_updated: counted ? record.updated : 0,
      entities_deleted: counted ? record.deleted : 0,
      entities_failed: record.failed,
      error: record.error ?? null,
      error_details: record.errorDetails ?? null,
    };
  }

  syncJob(record: AirweaveJobRecord): AirweaveSyncJob {
    const sync = this.requireSync(record.syncId);
    const email = record.scheduled ? null : SIM_USER_EMAIL;
    const encountered = record.inserted + record.updated + record.deleted + record.kept + record.skipped;
    return {
      id: record.id,
      sync_id: sync.id,
      sync_name: sync.name,
      organization_id: this.organizationId,
      status: LOWER[record.status],
      scheduled: record.scheduled,
      entities_inserted: record.inserted,
      entities_updated: record.updated,
      entities_deleted: record.deleted,
      entities_kept: record.kept,
      entities_skipped: record.skipped,
      entities_encountered: encountered > 0 ? { [record.entityType]: encountered } : {},
      started_at: record.startedAt === undefined ? null : iso(record.startedAt),
      completed_at: record.endedAt !== undefined && record.status !== 'failed' ? iso(record.endedAt) : null,
      failed_at: record.endedAt !== undefined && record.status === 'failed' ? iso(record.endedAt) : null,
      error: record.error ?? null,
      created_at: iso(record.createdAt),
      modified_at: iso(record.modifiedAt),
      created_by_email: email,
      modified_by_email: email,
    };
  }

  summary(): AirweaveSummary {
    return {
      organizationId: this.organizationId,
      syncs: this.syncs.map((s) => {
        const latest = s.jobs[s.jobs.length - 1];
        return {
          id: s.id,
          sourceConnectionId: s.sourceConnectionId,
          name: s.name,
          ...(latest === undefined ? {} : { latestJobId: latest.id, latestStatus: latest.status }),
          jobs: s.jobs.length,
        };
      }),
    };
  }
}
