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
export const chunkJobIdOf = (job: Pick<ChunkJob, 'target' | 'cycle' | 'index'>) =>
  `chunk-${safe(job.target)}-${safe(job.cycle)}-${job.index}`;

/** A scheduler's job id is `repeat:<schedulerId>:<millis>`: the millis name the cycle. */
export function cycleOf(jobId: string | undefined, fallback: number): string {
  const last = jobId?.split(':').pop();
  return last && /^\d+$/.test(last) ? last : String(fallback);
}

export function createQueues(connection: ConnectionOptions, prefix: string): Record<QueueName, Queue> {
  const opts = { connection, prefix: hashTagged(prefix) };
  return { poll: new Queue('poll', opts), notify: new Queue('notify', opts), retry: new Queue('retry', opts) };
}
