/** Every variable config/syncwatch.example.yaml names, set to a dummy value. */
export const EXAMPLE_ENV = {
  CELIGO_TOKEN: 'celigo-token-dummy',
  AIRWEAVE_API_KEY: 'airweave-key-dummy',
  NEO_API_KEY: 'neo-key-dummy',
  SLACK_BOT_TOKEN: 'xoxb-dummy',
  SLACK_SIGNING_SECRET: 'slack-signing-secret-dummy',
  SMTP_USER: 'smtp-user-dummy',
  SMTP_PASS: 'smtp-pass-dummy',
  WEBHOOK_SECRET: 'webhook-secret-dummy',
  PAGERDUTY_ROUTING_KEY: 'pdroutingkeydummy000000000000000',
  TEAMS_WEBHOOK_URL: 'https://example.logic.azure.com/workflows/dummy/triggers/manual/paths/invoke?sig=dummy',
};
