// poll queue: `plan` jobs come from the per-target job schedulers, `chunk` jobs from plans.
import type { Job } from 'bullmq';
import { cycleOf } from '../src/queues.ts';
import type { ChunkJob, Watch, WatchSink } from '../src/watch/watch.ts';

export function pollProcessor(watch: Watch, sink: WatchSink) {
  return async (job: Job) => {
    if (job.name === 'plan') {
      const { target } = job.data as { target: string };
      await watch.plan(target, cycleOf(job.id, job.timestamp), sink);
    } else if (job.name === 'chunk') {
      await watch.chunk(job.data as ChunkJob, sink);
    }
  };
}
