// retry queue: one job per flow step (or failed sync) per poll cycle; the logic is in src/retry/.
import type { Job } from 'bullmq';
import type { Emit, Retrier, RetryJob } from '../src/retry/index.ts';

export function retryProcessor(retrier: Retrier, emit?: Emit) {
  return async (job: Job) => {
    const result = await retrier.process(job.data as RetryJob, emit);
    return { status: result.status, counts: result.counts, events: result.events.length };
  };
}
