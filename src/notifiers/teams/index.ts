// Microsoft Teams: an Adaptive Card per notification, posted to a Workflows or incoming-webhook
// URL; an update or a resolution is a new card (a webhook cannot edit what it posted). 200/202:
// taken. 429 (Retry-After honoured) and 5xx: retried by the delivery job. Any other 4xx will not
// heal: dropped and counted. The URL is a credential: errors and logs show only its origin.
import { accepted, postJson, redactUrl, refusal } from '../post.ts';
import { type DeliveryGuarantee, type Notifier, type NotifierDeps } from '../types.ts';
import { renderTeams } from './card.ts';
import type { TeamsReceiverConfig } from './config.ts';

export { renderTeams, escapeTeams, TEAMS_LIMITS, ADAPTIVE_CARD, type TeamsMessage } from './card.ts';

export const TEAMS_GUARANTEE: DeliveryGuarantee = {
  guarantee: 'at-least-once',
  why:
    'a Teams webhook cannot be asked what it already posted: a send interrupted after Teams took it is posted again ' +
    '(a second, identical card)',
};

export function createTeamsNotifier(config: TeamsReceiverConfig, deps: NotifierDeps): Notifier {
  return {
    name: deps.name,
    guarantee: async () => TEAMS_GUARANTEE,
    async send(n, previous) {
      const answer = await postJson('teams webhook', config.webhookUrl, JSON.stringify(renderTeams(n)));
      if (accepted(answer)) return previous;
      // The answer's text can quote the request; it never holds the URL's signature, but keep it short.
      const detail = answer.text.split(config.webhookUrl).join(redactUrl(config.webhookUrl)).replace(/\s+/g, ' ').slice(0, 200);
      throw refusal(`teams webhook ${redactUrl(config.webhookUrl)}`, answer, detail);
    },
  };
}
