// The log receiver in the config file: one structured log line per alert transition (the demo's receiver).
import { z } from 'zod';

export const logReceiverConfig = z.strictObject({});

export type LogReceiverConfig = z.output<typeof logReceiverConfig>;
