// The BullMQ processors of the three queues, handed to the daemon (src/daemon.ts) by the process's
// entry point (bin/syncwatch.js), and a startDaemon with them for tests and benchmarks.
import type { Config } from '../src/config/index.ts';
import { startDaemon as start, type Daemon, type DaemonOptions, type Processors } from '../src/daemon.ts';
import { alertingProcessor } from './notify.ts';
import { pollProcessor } from './poll.ts';
import { retryProcessor } from './retry.ts';

export type { Daemon };

export const processors: Processors = { poll: pollProcessor, notify: alertingProcessor, retry: retryProcessor };

export function startDaemon(config: Config, options: Omit<DaemonOptions, 'processors'>): Promise<Daemon> {
  return start(config, { ...options, processors });
}
