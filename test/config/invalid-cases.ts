// Invalid documents and the exact problem lines they must produce (file name `t.yaml`).
// Each document is small on purpose, so the expected LINE:COL can be checked by eye.

export interface InvalidCase {
  name: string;
  yaml: string;
  /** `LINE:COL path: message`, in the order reported. */
  expected: string[];
}

const lines = (...l: string[]) => `${l.join('\n')}\n`;

/** A valid document's parts, to build the invalid ones from. */
const TARGET = ['targets:', '  - name: prod', '    provider: celigo', '    token: t'];
const RECEIVER = ['receivers:', '  - name: oncall', '    slack: { webhookUrl: "https://hooks.slack.com/x" }'];
const ROUTE = ['route:', '  receiver: oncall'];

export const INVALID_CASES: InvalidCase[] = [
  {
    name: 'typo at top level',
    yaml: lines(...TARGET, 'sillences: []'),
    expected: ['5:1 sillences: unknown key "sillences" (did you mean "silences"?)'],
  },
  {
    name: 'typo in a target',
    yaml: lines(...TARGET, '    intervall: 30s'),
    expected: ['5:5 targets[0].intervall: unknown key "intervall" (did you mean "interval"?)'],
  },
  {
    name: 'typo in a receiver',
    yaml: lines(
      ...TARGET,
      'receivers:',
      '  - name: hook',
      '    webhook:',
      '      url: https://h.example.com/x',
      '      hmacSecrett: s',
      'route: { receiver: hook }',
    ),
    expected: ['9:7 receivers[0].webhook.hmacSecrett: unknown key "hmacSecrett" (did you mean "hmacSecret"?)'],
  },
  {
    name: 'typo in the route',
    yaml: lines(...TARGET, ...RECEIVER, ...ROUTE, '  groupwait: 10s'),
    expected: ['10:3 route.groupwait: unknown key "groupwait" (did you mean "groupWait"?)'],
  },
  {
    name: 'typo in a sub-route',
    yaml: lines(...TARGET, ...RECEIVER, ...ROUTE, '  routes:', '    - match: { kind: TargetDown }', '      reciever: oncall'),
    expected: ['12:7 route.routes[0].reciever: unknown key "reciever" (did you mean "receiver"?)'],
  },
  {
    name: 'typo in a retry policy',
    yaml: lines(
      ...TARGET,
      'retryPolicies:',
      '  - name: p',
      '    match: { classification: [connection] }',
      '    action: retry',
      '    maxAttempt: 3',
    ),
    expected: ['9:5 retryPolicies[0].maxAttempt: unknown key "maxAttempt" (did you mean "maxAttempts"?)'],
  },
  {
    name: 'bare number as a duration',
    yaml: lines(...TARGET, '    interval: 30'),
    expected: ['5:15 targets[0].interval: expected a duration like 30s, 10m, 6h'],
  },
  {
    name: 'words as a duration',
    yaml: lines(...TARGET, '    stuckAfter: 2 hours'),
    expected: ['5:17 targets[0].stuckAfter: expected a duration like 30s, 10m, 6h'],
  },
  {
    name: 'a sweep interval shorter than the interval',
    yaml: lines(...TARGET, '    interval: 5m', '    sweepInterval: 1m'),
    expected: [
      "6:20 targets[0].sweepInterval: sweepInterval must be at least the target's interval (300s): every flow is swept once per sweepInterval",
    ],
  },
  {
    name: 'zero interval',
    yaml: lines(...TARGET, '    interval: 0s'),
    expected: ['5:15 targets[0].interval: must be longer than 0'],
  },
  {
    name: 'negative rate',
    yaml: lines(...TARGET, '    requestsPerSecond: -5'),
    expected: ['5:24 targets[0].requestsPerSecond: must be greater than 0'],
  },
  {
    name: 'fractional attempt count',
    yaml: lines(
      ...TARGET,
      'retryPolicies:',
      '  - name: p',
      '    match: { classification: [connection] }',
      '    action: retry',
      '    maxAttempts: 1.5',
    ),
    expected: ['9:18 retryPolicies[0].maxAttempts: expected a whole number, got a number'],
  },
  {
    name: 'unknown provider',
    yaml: lines('targets:', '  - name: prod', '    provider: boomi', '    token: t'),
    expected: ['3:15 targets[0].provider: expected one of: celigo, airweave, neo'],
  },
  {
    name: 'missing provider',
    yaml: lines('targets:', '  - name: prod', '    token: t'),
    expected: ['2:5 targets[0].provider: required (one of: celigo, airweave, neo)'],
  },
  {
    name: 'missing token',
    yaml: lines('targets:', '  - name: prod', '    provider: celigo'),
    expected: ['2:5 targets[0].token: required'],
  },
  {
    name: 'airweave target without apiKey but with token',
    yaml: lines('targets:', '  - name: aw', '    provider: airweave', '    token: t'),
    expected: ['2:5 targets[0].apiKey: required', '4:5 targets[0].token: unknown key "token"'],
  },
  {
    name: 'string where a list belongs',
    yaml: lines('targets:', '  - name: neo', '    provider: neo', '    token: t', '    integrations: connectwise'),
    expected: ['5:19 targets[0].integrations: expected a list, got a string'],
  },
  {
    name: 'empty targets',
    yaml: lines('targets: []'),
    expected: ['1:10 targets: must not be empty'],
  },
  {
    name: 'duplicate target name',
    yaml: lines(...TARGET, '  - name: prod', '    provider: neo', '    token: t', '    integrations: [a]'),
    expected: ['5:11 targets[1].name: duplicate target name "prod"'],
  },
  {
    name: 'unknown alert kind in severity',
    yaml: lines(...TARGET, '    severity: { SyncFaild: critical }'),
    expected: ['5:17 targets[0].severity.SyncFaild: unknown key "SyncFaild" (did you mean "SyncFailed"?)'],
  },
  {
    name: 'unknown severity',
    yaml: lines(...TARGET, '    severity: { SyncFailed: urgent }'),
    expected: ['5:29 targets[0].severity.SyncFailed: expected one of: critical, warning, info'],
  },
  {
    name: 'source connection that is not a UUID',
    yaml: lines('targets:', '  - name: aw', '    provider: airweave', '    apiKey: k', '    sourceConnections: [not-a-uuid]'),
    expected: ['5:25 targets[0].sourceConnections[0]: expected a UUID'],
  },
  {
    name: 'route to an undefined receiver',
    yaml: lines(...TARGET, ...RECEIVER, 'route:', '  receiver: pager'),
    expected: ['9:13 route.receiver: receiver "pager" is not defined in receivers'],
  },
  {
    name: 'sub-route to an undefined receiver',
    yaml: lines(...TARGET, ...RECEIVER, ...ROUTE, '  routes:', '    - match: { kind: TargetDown }', '      receiver: pager'),
    expected: ['12:17 route.routes[0].receiver: receiver "pager" is not defined in receivers'],
  },
  {
    name: 'receivers without a route',
    yaml: lines(...TARGET, ...RECEIVER),
    expected: ['1:1 route: required when receivers are defined (nothing would send alerts to them)'],
  },
  {
    name: 'slack with both modes',
    yaml: lines(
      ...TARGET,
      'receivers:',
      '  - name: oncall',
      '    slack:',
      '      token: xoxb-1',
      '      channel: "#a"',
      '      webhookUrl: https://hooks.slack.com/x',
      ...ROUTE,
    ),
    expected: ['8:7 receivers[0].slack: use either token + channel (Web API) or webhookUrl (incoming webhook), not both'],
  },
  {
    name: 'slack with neither mode',
    yaml: lines(...TARGET, 'receivers:', '  - name: oncall', '    slack: {}', ...ROUTE),
    expected: ['7:12 receivers[0].slack: needs a mode: use either token + channel (Web API) or webhookUrl (incoming webhook)'],
  },
  {
    name: 'slack token without a channel',
    yaml: lines(...TARGET, 'receivers:', '  - name: oncall', '    slack: { token: xoxb-1 }', ...ROUTE),
    expected: ['7:12 receivers[0].slack.channel: required'],
  },
  {
    name: 'slack buttons without a signing secret',
    yaml: lines(
      ...TARGET,
      'receivers:',
      '  - name: oncall',
      '    slack:',
      '      token: xoxb-1',
      '      channel: C0ALERTS',
      '      interactive:',
      '        allowedUsers: [U0ALICE]',
      ...ROUTE,
    ),
    expected: [
      "11:9 receivers[0].slack.interactive.signingSecret: required: buttons need the Slack app's signing secret to verify each click: " +
        'find it at api.slack.com/apps → your app → "Basic Information" → "App Credentials" → "Signing Secret" ' +
        '(put it in an environment variable, e.g. ${SLACK_SIGNING_SECRET})',
    ],
  },
  {
    name: 'slack buttons on an incoming webhook',
    yaml: lines(
      ...TARGET,
      'receivers:',
      '  - name: oncall',
      '    slack:',
      '      webhookUrl: https://hooks.slack.com/x',
      '      interactive: { signingSecret: s }',
      ...ROUTE,
    ),
    expected: [
      '9:20 receivers[0].slack.interactive: buttons need the Web API (token + channel): ' +
        'an incoming webhook cannot update the message a click came from',
    ],
  },
  {
    name: 'receiver with no kind',
    yaml: lines(...TARGET, 'receivers:', '  - name: oncall', ...ROUTE),
    expected: ['6:5 receivers[0]: needs exactly one of slack, email, webhook, pagerduty, teams, log'],
  },
  {
    name: 'receiver with two kinds',
    yaml: lines(...TARGET, ...RECEIVER, '    log: {}', ...ROUTE),
    expected: ['6:5 receivers[0]: has slack and log: give exactly one of slack, email, webhook, pagerduty, teams, log'],
  },
  {
    name: 'duplicate receiver name',
    yaml: lines(...TARGET, ...RECEIVER, '  - name: oncall', '    log: {}', ...ROUTE),
    expected: ['8:11 receivers[1].name: duplicate receiver name "oncall"'],
  },
  {
    name: 'bad e-mail address',
    yaml: lines(
      ...TARGET,
      'receivers:',
      '  - name: mail',
      '    email:',
      '      from: syncwatch@example.com',
      '      to: [data-team]',
      '      smtp: { host: smtp.example.com, port: 587 }',
      'route: { receiver: mail }',
    ),
    expected: ['9:12 receivers[0].email.to[0]: expected an e-mail address like name@example.com'],
  },
  {
    name: 'SMTP port out of range',
    yaml: lines(
      ...TARGET,
      'receivers:',
      '  - name: mail',
      '    email:',
      '      from: syncwatch@example.com',
      '      to: [data-team@example.com]',
      '      smtp: { host: smtp.example.com, port: 70000 }',
      'route: { receiver: mail }',
    ),
    expected: ['10:45 receivers[0].email.smtp.port: must be at most 65535'],
  },
  {
    name: 'regex that does not compile',
    yaml: lines(...TARGET, 'retryPolicies:', '  - name: p', '    match: { code: "(408" }', '    action: retry'),
    expected: ['7:20 retryPolicies[0].match.code: invalid regular expression: Unterminated group'],
  },
  {
    name: 'regex that can backtrack catastrophically',
    yaml: lines(...TARGET, 'retryPolicies:', '  - name: p', '    match:', '      message: "^(a+)+$"', '    action: retry'),
    expected: [
      '8:16 retryPolicies[0].match.message: regex can backtrack catastrophically: a repeated group contains another unbounded repeat, like (a+)+ or (.*)* (the group at character 2)',
    ],
  },
  {
    name: 'catastrophic regex in a sub-route matchRe',
    yaml: lines(...TARGET, ...RECEIVER, ...ROUTE, '  routes:', '    - matchRe: { flow: "(x|x)*y" }'),
    expected: [
      '11:24 route.routes[0].matchRe.flow: regex can backtrack catastrophically: alternatives of a repeated group can match the same text, like (a|a)* or (a|ab)* (the group at character 1)',
    ],
  },
  {
    name: 'empty error classification',
    yaml: lines(...TARGET, 'retryPolicies:', '  - name: p', '    match: { classification: [""] }', '    action: retry'),
    expected: ['7:31 retryPolicies[0].match.classification[0]: must not be empty'],
  },
  {
    name: 'unknown retry action',
    yaml: lines(...TARGET, 'retryPolicies:', '  - name: p', '    match: { classification: [connection] }', '    action: resubmit'),
    expected: ['8:13 retryPolicies[0].action: expected one of: retry, retry_with_backoff, rerun_flow, rerun_sync'],
  },
  {
    name: 'policy that matches everything',
    yaml: lines(...TARGET, 'retryPolicies:', '  - name: p', '    match: {}', '    action: retry'),
    expected: [
      '7:12 retryPolicies[0].match: needs at least one of targets, integrations, flows, steps, classification, source, code, message (a policy must not retry every error)',
    ],
  },
  {
    name: 'backoff max shorter than initial',
    yaml: lines(
      ...TARGET,
      'retryPolicies:',
      '  - name: p',
      '    match: { classification: [connection] }',
      '    action: retry',
      '    backoff: { initial: 1h, max: 10m }',
    ),
    expected: ['9:34 retryPolicies[0].backoff.max: must not be shorter than initial'],
  },
  {
    name: 'policy naming an unknown target',
    yaml: lines(...TARGET, 'retryPolicies:', '  - name: p', '    match: { targets: [staging] }', '    action: retry'),
    expected: ['7:24 retryPolicies[0].match.targets[0]: target "staging" is not defined in targets'],
  },
  {
    name: 'policy naming a non-celigo target',
    yaml: lines(
      ...TARGET,
      '  - name: aw',
      '    provider: airweave',
      '    apiKey: k',
      'retryPolicies:',
      '  - name: p',
      '    match: { targets: [prod, aw] }',
      '    action: retry',
    ),
    expected: ['10:30 retryPolicies[0].match.targets[1]: target "aw" is not a celigo target: retry policies act on Celigo flows only'],
  },
  {
    name: 'duplicate policy name',
    yaml: lines(
      ...TARGET,
      'retryPolicies:',
      '  - { name: p, match: { classification: [connection] }, action: retry }',
      '  - { name: p, match: { classification: [parse] }, action: retry }',
    ),
    expected: ['7:13 retryPolicies[1].name: duplicate retry policy name "p"'],
  },
  {
    name: 'both retryPolicies and retryPoliciesFile',
    yaml: lines(...TARGET, 'retryPoliciesFile: policies.yaml', 'retryPolicies: []'),
    expected: ['5:20 retryPoliciesFile: use either retryPolicies or retryPoliciesFile, not both'],
  },
  {
    name: 'silence with an impossible date',
    yaml: lines(...TARGET, 'silences:', '  - match: { target: prod }', '    until: 2026-02-30T00:00:00Z'),
    expected: ['7:12 silences[0].until: expected an ISO date-time like 2026-12-31T00:00:00Z'],
  },
  {
    name: 'silence with words for a date',
    yaml: lines(...TARGET, 'silences:', '  - match: { target: prod }', '    until: next tuesday'),
    expected: ['7:12 silences[0].until: expected an ISO date-time like 2026-12-31T00:00:00Z'],
  },
  {
    name: 'silence that matches everything',
    yaml: lines(...TARGET, 'silences:', '  - match: {}', '    until: 2026-12-31T00:00:00Z'),
    expected: ['6:12 silences[0].match: needs at least one label (an empty match would silence everything)'],
  },
  {
    name: 'listen address without a port',
    yaml: lines(...TARGET, 'server: { listen: localhost }'),
    expected: ['5:19 server.listen: expected host:port like 0.0.0.0:9464'],
  },
  {
    name: 'redis prefix with a brace',
    yaml: lines('redis:', '  prefix: "{sw}"', ...TARGET),
    expected: ['2:11 redis.prefix: expected letters, digits, "_", ".", ":" or "-"'],
  },
  {
    name: 'YAML syntax error',
    yaml: lines(...TARGET, '    interval: [30s', 'receivers: []'),
    expected: ['6:1 (yaml): Flow sequence in block collection must be sufficiently indented and end with a ]'],
  },
  {
    name: 'duplicate YAML key',
    yaml: lines(...TARGET, '    token: u'),
    expected: ['5:5 (yaml): Map keys must be unique'],
  },
  {
    name: 'malformed ${} reference',
    yaml: lines('targets:', '  - name: prod', '    provider: celigo', '    token: ${CELIGO TOKEN}'),
    expected: ['4:12 targets[0].token: expected ${NAME} or ${NAME:-default} (write $${ for a literal ${)'],
  },
  {
    name: 'unquoted ${} inside a flow map',
    yaml: lines(...TARGET, '    flowErrors: { minNew: ${MIN_NEW:-2} }'),
    expected: ['5:28 (yaml): Unexpected flow-map-start at node end (inside { } or [ ], quote ${…} references: "${VAR}")'],
  },
  {
    name: 'webhook header name with a space',
    yaml: lines(
      ...TARGET,
      'receivers:',
      '  - name: hook',
      '    webhook:',
      '      url: https://h.example.com/x',
      '      headers: { "X Token": abc }',
      'route: { receiver: hook }',
    ),
    expected: ['9:18 receivers[0].webhook.headers.X Token: invalid key: expected an HTTP header name'],
  },
  {
    name: 'empty document',
    yaml: lines('# nothing here'),
    expected: ['1:1 (root): expected a map, got nothing'],
  },
  {
    name: 'a list instead of a map',
    yaml: lines('- targets'),
    expected: ['1:1 (root): expected a map, got a list'],
  },
];
