import type { AlertEvent } from '../alerting/types.ts';

/** A receiver implementation (one folder each under src/notifiers/). Throws a typed error on failure. */
export interface Notifier {
  readonly name: string;
  send(event: AlertEvent): Promise<void>;
}
