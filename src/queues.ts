// The three BullMQ queues, under the deployment's hash-tagged prefix, and the poll job ids that make
// enqueueing idempotent (a job id BullMQ already holds is not added again).
import { Queue, type ConnectionOptions } from 'bullmq';
import { hashTagged } from './state/keys.ts';
import type { ChunkJob } from './watch/watch.ts';

export const QUEUE_NAMES = ['poll', 'notify', 'retry'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** How long finished poll jobs are kept: their ids are the dedup window of a cycle's chunks. */
export const KEEP_POLL_JOBS_SECONDS = 3600;

/** BullMQ ids may not contain ':'; names and ids from config are encoded. */
const safe = (s: string) => encodeURIComponent(s).replace(/%/g, '~');

const SCHEDULER_ID_PREFIX = 'poll-';
export const schedulerIdOf = (target: string) => `${SCHEDULER_ID_PREFIX}${safe(target)}`;
/** Whether a job scheduler of the poll queue is one of ours (one per target). */
export const isPollSchedulerId = (id: string) => id.startsWith(SCHEDULER_ID_PREFIX);
/** A poll job of a cycle's chunks (named `chunks`; a `chunk` job, as enqueued before, holds one ChunkJob). */
export interface ChunksJob {
  chunks: ChunkJob[];
  /** How many of its chunks run at once (default 1: one after the other). */
  concurrency?: number;
}

/**
 * A BullMQ job costs ~18 Redis key writes (its hash, lists, lock and events), so a cycle's chunks
 * are handed out in groups. A small cycle (at most MAX_GROUP × pollConcurrency chunks, as a
 * change-driven steady cycle is) is one job that runs all its chunks at once, with one job's
 * writes. A larger one gets groups, each run one chunk after the other, that shrink as the cycle
 * goes (each takes its share of what is left, over `GROUP_DIVISOR × pollConcurrency`, at most
 * MAX_GROUP): the large ones are taken first and the last ones are single chunks, so replicas share
 * the cycle and no worker is left alone with a long group at its end.
 */
export const GROUP_DIVISOR = 2;
/** The largest group (chunks of 100 flows): replicas share a cycle's jobs, never more than this apart. */
export const MAX_GROUP = 8;

/**
 * The cycle's chunks in consecutive groups, in order, the same for the same plan (a re-processed
 * plan job enqueues the same job ids, which BullMQ does not add twice).
 */
export function groupChunks(jobs: readonly ChunkJob[], pollConcurrency: number): Array<{ id: string; data: ChunksJob }> {
  const idOf = (chunks: readonly ChunkJob[]) => {
    const first = chunks[0]!;
    return `chunks-${safe(first.target)}-${safe(first.cycle)}-${first.index}-${chunks.length}`;
  };
  if (jobs.length === 0) return [];
  if (jobs.length <= MAX_GROUP * pollConcurrency) {
    // All at once: the target's connections and rate limit pace the requests, and no chunk waits
    // for a round of others to end (each ends with its own error samples and saves).
    const concurrency = jobs.length;
    return [{ id: idOf(jobs), data: { chunks: [...jobs], ...(concurrency > 1 ? { concurrency } : {}) } }];
  }
  const out: Array<{ id: string; data: ChunksJob }> = [];
  for (let i = 0; i < jobs.length;) {
    const size = Math.min(MAX_GROUP, Math.max(1, Math.ceil((jobs.length - i) / (GROUP_DIVISOR * pollConcurrency))));
    const chunks = jobs.slice(i, i + size);
    out.push({ id: idOf(chunks), data: { chunks } });
    i += size;
  }
  return out;
}

/** A scheduler's job id is `repeat:<schedulerId>:<millis>`: the millis name the cycle. */
export function cycleOf(jobId: string | undefined, fallback: number): string {
  const last = jobId?.split(':').pop();
  return last && /^\d+$/.test(last) ? last : String(fallback);
}

export function createQueues(connection: ConnectionOptions, prefix: string): Record<QueueName, Queue> {
  const opts = { connection, prefix: hashTagged(prefix) };
  return { poll: new Queue('poll', opts), notify: new Queue('notify', opts), retry: new Queue('retry', opts) };
}
