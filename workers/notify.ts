// notify queue: flush and deliver jobs of the alerting pipeline (src/alerting/). The worker takes
// the job and hands it to the pipeline; everything else lives in src/.
import type { Job } from 'bullmq';
import type { Alerting } from '../src/alerting/index.ts';

export function alertingProcessor(alerting: Pick<Alerting, 'processor'>) {
  return (job: Job, token?: string) => alerting.processor(job, token);
}
