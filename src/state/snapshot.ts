// What syncwatch remembers about each resource between polls (stored in Redis as JSON, one hash
// field per resource). The firing alerts of a resource live in its snapshot, so one write saves
// both what was seen and which alerts are open.
import type { RunStatus } from '../model.ts';

/** An open alert: when it started and which episode it is (see AlertEvent.transitionId). */
export interface Firing {
  since: string;
  episode: string;
  /** What the alert last said, where a change of it is news (TargetMisconfigured's problem list). */
  detail?: string;
}

export interface RunSnapshot {
  type: 'run';
  runId: string;
  status: RunStatus;
  startedAt?: string;
  endedAt?: string;
  /** When syncwatch first saw this resource: the base for SyncStale before any success. */
  firstSeenAt: string;
  lastSuccessAt?: string;
  /** The integration the resource belongs to: what owns a Celigo sync in a poll's scope. */
  integrationId?: string;
  firing: { SyncFailed?: Firing; SyncPartial?: Firing; SyncStuck?: Firing; SyncStale?: Firing };
}

export interface StepSnapshot {
  type: 'step';
  openErrors: number;
  lastErrorAt?: string;
  firing: { FlowErrors?: Firing };
}

export interface TargetSnapshot {
  type: 'target';
  /** Failed polls in a row, and when the streak began. */
  failures: number;
  streakStartedAt?: string;
  lastPollAt?: string;
  /** When a poll last succeeded (the daemon's own "no successful poll" alert rule reads it). */
  lastSuccessAt?: string;
  lastOutcome?: 'success' | 'failure';
  lastError?: { kind: string; message: string };
  /** Where the next poll of a provider that reads "runs since" should start (Neo). */
  pollSince?: string;
  /** A digest of what the last planned poll covered; a change means resources may have left. */
  scopeHash?: string;
  /** Units the last complete poll could not read (at most UNREADABLE_SHOWN), and how many in all. */
  unreadable?: Array<{ resource: string; name: string; kind: string; message: string }>;
  unreadableCount?: number;
  /** The last complete cycle: requests it made, resources (runs, steps) it observed. */
  lastCycle?: { requests: number; resources: number };
  firing: { TargetDown?: Firing; TargetMisconfigured?: Firing };
}

export type ResourceSnapshot = RunSnapshot | StepSnapshot;
