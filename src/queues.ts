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
}

/**
 * A BullMQ job costs ~18 Redis key writes (its hash, lists, lock and events), so a cycle's chunks
 * are handed out in groups, run one after the other by the job that holds them. A small cycle (at
 * most MAX_GROUP × pollConcurrency chunks) is split into at most `pollConcurrency` jobs of
 * near-equal size: a worker runs that many jobs at once, so the cycle keeps its parallelism with the
 * fewest jobs. A larger one gets groups that shrink as the cycle goes (each takes its share of what
 * is left, over `GROUP_DIVISOR × pollConcurrency`, at most MAX_GROUP): the large ones are taken first
 * and the last ones are single chunks, so no worker is left alone with a long group at the end of a
 * cycle.
 */
export const GROUP_DIVISOR = 2;
/** The largest group (chunks of 100 flows): replicas share a cycle's jobs, never more than this apart. */
export const MAX_GROUP = 8;

/** The sizes of a cycle's groups of chunks, in order (see GROUP_DIVISOR). */
function groupSizes(n: number, pollConcurrency: number): number[] {
  if (n <= MAX_GROUP * pollConcurrency) {
    const groups = Math.min(n, pollConcurrency);
    // The first `n % groups` groups hold one chunk more than the others.
    return Array.from({ length: groups }, (_, g) => Math.floor(n / groups) + (g < n % groups ? 1 : 0));
  }
  const sizes: number[] = [];
  for (let left = n; left > 0;) {
    const size = Math.min(MAX_GROUP, Math.max(1, Math.ceil(left / (GROUP_DIVISOR * pollConcurrency))));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

/**
 * The cycle's chunks in consecutive groups, in order, the same for the same plan (a re-processed
 * plan job enqueues the same job ids, which BullMQ does not add twice).
 */
export function groupChunks(jobs: readonly ChunkJob[], pollConcurrency: number): Array<{ id: string; data: ChunksJob }> {
  const out: Array<{ id: string; data: ChunksJob }> = [];
  let i = 0;
  for (const size of groupSizes(jobs.length, pollConcurrency)) {
    const chunks = jobs.slice(i, i + size);
    const first = chunks[0]!;
    out.push({ id: `chunks-${safe(first.target)}-${safe(first.cycle)}-${first.index}-${chunks.length}`, data: { chunks } });
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
