// PagerDuty, Events API v2: one event per alert of a notification (trigger on fire, resolve on
// resolve), `dedup_key` = the alert's fingerprint. 202: taken. 400: the event is invalid — it will
// not heal, so it is dropped (the notification counted as dropped, code `invalid_event`). 429 and
// 5xx: retried by the delivery job (Retry-After honoured). The routing key never reaches a log.
import { z } from 'zod';
import { parseJson } from '../../json.ts';
import { accepted, postJson, refusal, type PostAnswer } from '../post.ts';
import { notificationId, NotifyError, type DeliveryGuarantee, type Notifier, type NotifierDeps } from '../types.ts';
import { PAGERDUTY_EVENTS_URL, type PagerDutyReceiverConfig } from './config.ts';
import { pagerdutyEvents, type PagerDutyEvent } from './event.ts';

export { pagerdutyEvents, PAGERDUTY_LIMITS, PAGERDUTY_SEVERITY, type PagerDutyEvent } from './event.ts';

export const PAGERDUTY_GUARANTEE: DeliveryGuarantee = {
  guarantee: 'at-least-once',
  why:
    'a send interrupted after PagerDuty took it is sent again, but every event carries the alert fingerprint as dedup_key: ' +
    'PagerDuty folds a repeated trigger into the open alert and a repeated resolve changes nothing, so a repeat never pages twice',
};

/** PagerDuty's answer to an event (202 and 400 bodies as documented); anything else reads as no body. */
const pagerdutyAnswer = z.looseObject({
  status: z.string().optional(),
  message: z.string().optional(),
  errors: z.array(z.string()).optional(),
});

function describe(answer: PostAnswer, routingKey: string): string {
  const parsed = pagerdutyAnswer.safeParse(parseJson(answer.text));
  const body = parsed.success ? [parsed.data.message, ...(parsed.data.errors ?? [])].filter(Boolean).join('; ') : '';
  // PagerDuty's messages name fields, not values; the key is scrubbed all the same.
  return body.split(routingKey).join('[routing key]').slice(0, 300);
}

/** Notifications whose events were partly taken, remembered per process so a retry resumes (bounded). */
const RESUME_LIMIT = 1000;

export function createPagerDutyNotifier(config: PagerDutyReceiverConfig, deps: NotifierDeps): Notifier {
  const url = config.url ?? PAGERDUTY_EVENTS_URL;
  // Events PagerDuty already took, per notification id: a retry in this process resumes after them
  // (a big group that hit 429 half-way does not start over and hit it again). Another process
  // starts over, which repeats them harmlessly (same dedup_key).
  const taken = new Map<string, Set<string>>();
  const options = { routingKey: config.routingKey, ...(config.source !== undefined ? { source: config.source } : {}) };
  const sendEvent = async (event: PagerDutyEvent): Promise<'ok' | string> => {
    const answer = await postJson('pagerduty', url, JSON.stringify(event));
    if (accepted(answer)) return 'ok';
    const detail = describe(answer, config.routingKey);
    if (answer.status === 400) return `${event.event_action} ${event.dedup_key}: ${detail || 'invalid event'}`;
    throw refusal('pagerduty', answer, detail);
  };
  return {
    name: deps.name,
    guarantee: async () => PAGERDUTY_GUARANTEE,
    async send(n, previous) {
      const events = pagerdutyEvents(n, options);
      const invalid: string[] = [];
      const id = notificationId(n);
      const done = taken.get(id) ?? new Set<string>();
      taken.delete(id);
      // In order, one at a time: a failure leaves the rest to the retry.
      for (const [i, event] of events.entries()) {
        const key = `${i}:${event.event_action}:${event.dedup_key}`;
        if (done.has(key)) continue;
        let outcome: string;
        try {
          outcome = await sendEvent(event);
        } catch (e) {
          if (done.size > 0) {
            if (taken.size >= RESUME_LIMIT) taken.delete(taken.keys().next().value!);
            taken.set(id, done);
          }
          throw e;
        }
        if (outcome === 'ok') done.add(key);
        else invalid.push(outcome);
      }
      if (invalid.length > 0) {
        throw new NotifyError(
          `pagerduty refused ${invalid.length} of ${events.length} event(s) as invalid: ${invalid.join(' | ').slice(0, 600)}`,
          {
            retryable: false,
            code: 'invalid_event',
          },
        );
      }
      return previous;
    },
  };
}
