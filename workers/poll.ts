// poll queue: `plan` jobs come from the per-target job schedulers, `chunks` jobs (a group of a
// cycle's chunks; `chunk`, one, from older versions) from plans.
import type { Job } from 'bullmq';
import { mapConcurrent } from '../src/concurrency.ts';
import { cycleOf, type ChunksJob } from '../src/queues.ts';
import type { ChunkJob, Watch, WatchSink } from '../src/watch/watch.ts';

export function pollProcessor(watch: Watch, sink: WatchSink) {
  return async (job: Job) => {
    if (job.name === 'plan') {
      const { target } = job.data as { target: string };
      await watch.plan(target, cycleOf(job.id, job.timestamp), sink);
    } else if (job.name === 'chunks') {
      // Each chunk on its own (`concurrency` of them at once): a chunk that throws (Redis gone)
      // fails the job after the others ran, as a job of its own would have.
      const { chunks, concurrency = 1 } = job.data as ChunksJob;
      let failure: { error: unknown } | undefined;
      await mapConcurrent(chunks, concurrency, async (chunk) => {
        try {
          await watch.chunk(chunk, sink);
        } catch (error) {
          failure ??= { error };
        }
      });
      if (failure) throw failure.error;
    } else if (job.name === 'chunk') {
      await watch.chunk(job.data as ChunkJob, sink);
    }
  };
}
