// The console's HTML, as pure functions of the daemon's status: targets, firing alerts, history,
// silences, retry activity. Every value from a platform goes through `html` (escaped).
import { ALERT_KINDS } from '../alert/model.ts';
import type { FiringAlertStatus } from '../alerting/dispatcher.ts';
import { formatMatcher } from '../alerting/alertmanager.ts';
import { silenceState, type Silence } from '../alerting/silence.ts';
import type { PolicyStatus } from '../retry/retrier.ts';
import { silenceMatchers } from '../api/alertmanager.ts';
import type { HistoryEntry } from './history.ts';
import { html, type Html } from './html.ts';

export interface TargetStatus {
  name: string;
  provider: string;
  intervalSeconds: number;
  lastPollAt: string | null;
  lastOutcome: string | null;
  consecutiveFailures: number;
  lastError?: { kind: string; message: string };
  /** The last complete cycle: requests it made, resources (runs, steps) it observed. */
  lastCycle?: { requests: number; resources: number };
}

export interface ConsoleData {
  targets: TargetStatus[];
  alerts: FiringAlertStatus[];
  retryPolicies: PolicyStatus[];
  silences: Silence[];
  history: HistoryEntry[];
  now: number;
  csrf: string;
  /** The history's filter (`/?target=…&kind=…`). */
  filter?: { target?: string; kind?: string };
}

const when = (iso: string | null | undefined) =>
  iso ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>` : html`—`;

function targets(ts: TargetStatus[]): Html {
  return html`<section id="targets">
    <h2>Targets</h2>
    <table>
      <thead>
        <tr>
          <th>Target</th>
          <th>Provider</th>
          <th>Last poll</th>
          <th>Outcome</th>
          <th>Next due</th>
          <th>Requests (last cycle)</th>
          <th>Resources watched</th>
        </tr>
      </thead>
      <tbody>
        ${ts.map((t) => {
          const next = t.lastPollAt ? new Date(Date.parse(t.lastPollAt) + t.intervalSeconds * 1000).toISOString() : null;
          const inARow = t.consecutiveFailures > 0 ? html` (${t.consecutiveFailures} failed in a row)` : '';
          const error = t.lastError ? html`<div class="error">${t.lastError.kind}: ${t.lastError.message}</div>` : '';
          return html`<tr class="${t.lastOutcome === 'failure' ? 'bad' : ''}">
            <td>${t.name}</td>
            <td>${t.provider}</td>
            <td>${when(t.lastPollAt)}</td>
            <td>${t.lastOutcome ?? 'not yet'}${inARow}${error}</td>
            <td>${when(next)}</td>
            <td data-requests>${t.lastCycle?.requests ?? '—'}</td>
            <td data-resources>${t.lastCycle?.resources ?? '—'}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </section>`;
}

/** Per alert (kind + resource), the receivers the history says it reached, newest first. */
function reached(hs: HistoryEntry[]): Map<string, HistoryEntry[]> {
  const out = new Map<string, HistoryEntry[]>();
  for (const h of hs)
    if (h.transition === 'notified') out.set(`${h.kind}\u0000${h.resource}`, [...(out.get(`${h.kind}\u0000${h.resource}`) ?? []), h]);
  return out;
}

function alerts(as: FiringAlertStatus[], silences: Silence[], hs: HistoryEntry[]): Html {
  const sent = reached(hs);
  const rows = as.map((a) => {
    const to = sent.get(`${a.labels.kind}\u0000${a.labels.resource}`) ?? [];
    const receivers =
      to.length > 0
        ? html`<div class="muted">sent to ${to.map((h, i) => html`${i > 0 ? ', ' : ''}${h.receiver} ${when(h.at)}`)}</div>`
        : '';
    const state = a.silenced
      ? html`<span class="muted"
          >silenced by ${a.silencedBy.map((id) => silences.find((s) => s.id === id)?.comment || id).join(', ')}</span
        >`
      : a.inhibited
        ? html`<span class="muted">held back (TargetDown)</span>`
        : html`<span class="firing">firing</span>`;
    const acked = a.acknowledged ? html`<div class="muted">acknowledged by ${a.acknowledged.by} ${when(a.acknowledged.at)}</div>` : '';
    const resource = a.annotations.link
      ? html`<a href="${a.annotations.link}" rel="noreferrer">${a.annotations.name ?? a.labels.resource}</a>`
      : html`${a.annotations.name ?? a.labels.resource}`;
    const q = new URLSearchParams({ fingerprint: a.fingerprint }).toString();
    return html`<tr data-kind="${a.labels.kind}" data-state="${a.silenced ? 'silenced' : a.inhibited ? 'inhibited' : 'firing'}">
      <td>${a.labels.kind}</td>
      <td class="sev-${a.labels.severity}">${a.labels.severity}</td>
      <td>${a.labels.target}<br />${resource}</td>
      <td>${when(a.startsAt)}</td>
      <td class="error">${a.annotations.error ?? a.annotations.summary}</td>
      <td>${state}${acked}${receivers}</td>
      <td><a class="button" href="/console/silence/new?${q}">Silence…</a></td>
    </tr>`;
  });
  return html`<section id="alerts">
    <h2>Firing alerts (${as.length})</h2>
    ${
      as.length === 0
        ? html`<p>Nothing is firing.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>Kind</th>
                <th>Severity</th>
                <th>Resource</th>
                <th>Since</th>
                <th>Newest error</th>
                <th>State</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${rows}
            </tbody>
          </table>`
    }
  </section>`;
}

/** The history's filter form (a plain GET, so the ?target=&kind= links and this form are one thing). */
function filterForm(targetNames: string[], kinds: string[], filter: { target?: string; kind?: string }): Html {
  const options = (all: string[], chosen: string | undefined) =>
    [...new Set([...all, ...(chosen ? [chosen] : [])])]
      .sort()
      .map((v) => html`<option value="${v}" ${v === chosen ? html` selected` : ''}>${v}</option>`);
  return html`<form method="get" action="/" class="filter" id="history-filter">
    <label
      >Target
      <select name="target">
        <option value="">any</option>
        ${options(targetNames, filter.target)}
      </select></label
    >
    <label
      >Kind
      <select name="kind">
        <option value="">any</option>
        ${options(kinds, filter.kind)}
      </select></label
    >
    <button type="submit">Filter</button>
  </form>`;
}

const link = (param: 'kind' | 'target', value: string) =>
  value ? html`<a href="/?${param}=${encodeURIComponent(value)}#history">${value}</a>` : html`—`;

function history(hs: HistoryEntry[], filter: { target?: string; kind?: string }, targetNames: string[], kinds: string[]): Html {
  const filtered =
    filter.target || filter.kind
      ? html` <a href="/">(filtered: ${[filter.target, filter.kind].filter(Boolean).join(', ')} — show all)</a>`
      : '';
  return html`<section id="history">
    <h2>History${filtered}</h2>
    ${filterForm(targetNames, kinds, filter)}${
      hs.length === 0
        ? html`<p>No transitions yet.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>At</th>
                <th>Transition</th>
                <th>Kind</th>
                <th>Target</th>
                <th>Resource</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              ${hs.map(
                (h) =>
                  html`<tr data-transition="${h.transition}" data-kind="${h.kind}">
                    <td>${when(h.at)}</td>
                    <td>${h.transition}${h.receiver ? html`${h.transition.startsWith('silence') ? ' by ' : ' → '}${h.receiver}` : ''}</td>
                    <td>${link('kind', h.kind)}</td>
                    <td>${link('target', h.target)}</td>
                    <td>${h.name || h.resource}</td>
                    <td class="error">${h.error}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  </section>`;
}

function silencesView(ss: Silence[], now: number, csrf: string): Html {
  return html`<section id="silences">
    <h2>Silences</h2>
    ${
      ss.length === 0
        ? html`<p>No silences.</p>`
        : html`<table>
            <thead>
              <tr>
                <th>Matchers</th>
                <th>State</th>
                <th>Until</th>
                <th>By</th>
                <th>Comment</th>
                <th></th>
              </tr>
            </thead>
            <tbody>
              ${ss.map((s) => {
                const state = silenceState(s, now);
                const expire =
                  s.source === 'runtime' && state !== 'expired'
                    ? html`<form method="post" action="/console/silences/${encodeURIComponent(s.id)}/expire">
                        <input type="hidden" name="_csrf" value="${csrf}" /><button type="submit">Expire</button>
                      </form>`
                    : s.source === 'config'
                      ? html`(config)`
                      : '';
                return html`<tr data-silence="${s.id}" data-state="${state}">
                  <td><code>${silenceMatchers(s).map(formatMatcher).join(' ')}</code></td>
                  <td>${state}</td>
                  <td>${when(s.endsAt)}</td>
                  <td>${s.createdBy ?? ''}</td>
                  <td>${s.comment ?? ''}</td>
                  <td>${expire}</td>
                </tr>`;
              })}
            </tbody>
          </table>`
    }
  </section>`;
}

function retryDetail(p: PolicyStatus): Html {
  const batches =
    p.latestBatches.length === 0
      ? html`<p class="muted">No batches yet.</p>`
      : html`<table>
          <thead>
            <tr>
              <th>At</th>
              <th>Target</th>
              <th>What</th>
              <th>Records</th>
              <th>Outcome</th>
              <th>Platform job</th>
            </tr>
          </thead>
          <tbody>
            ${p.latestBatches.map(
              (b) =>
                html`<tr data-batch>
                  <td>${when(b.at)}</td>
                  <td>${b.target}</td>
                  <td>${b.what} · ${b.resource}</td>
                  <td>${b.records}</td>
                  <td>${b.outcome}</td>
                  <td>${b.job ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </table>`;
  const more =
    p.backoff.count > p.backoff.units.length ? html`<li class="muted">… and ${p.backoff.count - p.backoff.units.length} more</li>` : '';
  const backoff =
    p.backoff.count === 0
      ? html`<p class="muted">Nothing in backoff.</p>`
      : html`<ul>
          ${p.backoff.units.map(
            (u) => html`<li data-backoff><code>${u.unit}</code> (${u.resource}) — next attempt from ${when(u.next)}</li>`,
          )}${more}
        </ul>`;
  return html`<div class="policy" data-policy="${p.name}">
    <h3>${p.name}: latest batches</h3>
    ${batches}
    <h3>${p.name}: in backoff (${p.backoff.count})</h3>
    ${backoff}
  </div>`;
}

function retries(ps: PolicyStatus[]): Html {
  if (ps.length === 0)
    return html`<section id="retries">
      <h2>Retry activity</h2>
      <p>No retry policies configured.</p>
    </section>`;
  return html`<section id="retries">
    <h2>Retry activity (last hour)</h2>
    <table>
      <thead>
        <tr>
          <th>Policy</th>
          <th>Action</th>
          <th>Submitted</th>
          <th>Succeeded</th>
          <th>Failed</th>
          <th>Skipped for budget</th>
          <th>Budget / h</th>
        </tr>
      </thead>
      <tbody>
        ${ps.map((p) => {
          const c = p.lastHour;
          return html`<tr>
            <td>${p.name}${p.dryRun ? ' (dry run)' : ''}</td>
            <td>${p.action}</td>
            <td>${c.submitted}</td>
            <td>${c.succeeded}</td>
            <td>${c.failed}</td>
            <td>${c.skipped_budget}</td>
            <td>${p.recordsPerHour}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    ${ps.map(retryDetail)}
  </section>`;
}

/** The part that refreshes by itself. */
export function liveView(d: ConsoleData): Html {
  return html`${alerts(d.alerts, d.silences, d.history)}${targets(d.targets)}${history(
    d.history,
    d.filter ?? {},
    d.targets.map((t) => t.name),
    [...ALERT_KINDS],
  )}${silencesView(d.silences, d.now, d.csrf)}${retries(d.retryPolicies)}`;
}

export function consoleBody(d: ConsoleData, user: string | undefined, query = ''): Html {
  const logout =
    user && user !== 'local' && user !== 'token'
      ? html`<form method="post" action="/logout" class="logout">
          <input type="hidden" name="_csrf" value="${d.csrf}" /><button type="submit">Log out ${user}</button>
        </form>`
      : '';
  return html`<header>
      <h1>syncwatch</h1>
      ${logout}
    </header>
    <main id="live" data-src="/console/live${query ? `?${query}` : ''}">${liveView(d)}</main>`;
}

/** The silence form, pre-filled with the alert's matchers. */
export function silenceForm(a: FiringAlertStatus | undefined, csrf: string, user: string | undefined): Html {
  const matchers = a ? [`alertname="${a.labels.kind}"`, `target="${a.labels.target}"`, `resource="${a.labels.resource}"`].join('\n') : '';
  return html`<header>
      <h1><a href="/">syncwatch</a> · new silence</h1>
    </header>
    <main>
      <form method="post" action="/console/silences" class="silence">
        <input type="hidden" name="_csrf" value="${csrf}" />
        <label
          >Matchers (one per line: name="value", name=~"regex", name!="value")<textarea name="matchers" rows="4" required>
${matchers}</textarea>
        </label>
        <label>Duration <input name="duration" value="2h" required /></label>
        <label
          >Comment <input name="comment" required value="${a ? `${a.labels.kind} on ${a.annotations.name ?? a.labels.resource}` : ''}"
        /></label>
        <label>Author <input name="createdBy" required value="${user && user !== 'local' && user !== 'token' ? user : ''}" /></label>
        <button type="submit">Create silence</button>
      </form>
    </main>`;
}
