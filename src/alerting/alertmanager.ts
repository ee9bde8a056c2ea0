// Alertmanager's label matchers (`name="v"`, `name!="v"`, `name=~"re"`, `name!~"re"`) and its alert
// fingerprint: what silences from amtool / Grafana carry and what receivers built for Alertmanager expect.
import { regexProblem } from '../fields/regex-safety.ts';
import { SyncwatchError } from '../errors.ts';
import type { LabelSet } from '../alert/model.ts';

/** Alertmanager's `matcher` (API v2): `isEqual: false` negates; regexes are anchored at both ends. */
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const compiled = new Map<string, RegExp>();

function anchored(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, re);
  }
  return re;
}

/** A matcher from outside (API, CLI): a valid label name, and a regex that compiles and cannot backtrack catastrophically. */
export function checkMatcher(m: Matcher): Matcher {
  if (!LABEL_NAME.test(m.name)) throw new SyncwatchError('config', `"${m.name}" is not a label name`);
  if (m.isRegex) {
    const problem = regexProblem(m.value);
    if (problem) throw new SyncwatchError('config', `matcher ${m.name}: ${problem}`);
    try {
      anchored(m.value);
    } catch (e) {
      throw new SyncwatchError('config', `matcher ${m.name}: invalid regular expression: ${(e as Error).message}`);
    }
  }
  return m;
}

/** Alertmanager's semantics: a missing label is the empty string. */
export function matcherMatches(m: Matcher, labels: LabelSet): boolean {
  const v = labels[m.name] ?? '';
  const hit = m.isRegex ? anchored(m.value).test(v) : v === m.value;
  return hit === m.isEqual;
}

export const matchersMatch = (ms: readonly Matcher[], labels: LabelSet): boolean => ms.every((m) => matcherMatches(m, labels));

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$/;

/** `kind="SyncFailed"`, `target=~"prod-.*"`, `severity!=info` (amtool's and the API filter's syntax). */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new SyncwatchError('config', `"${text}" is not a matcher like name="value", name!="value", name=~"regex" or name!~"regex"`);
  const op = m[2]!;
  const value = m[3] !== undefined ? (JSON.parse(`"${m[3]}"`) as string) : m[4]!;
  return checkMatcher({ name: m[1]!, value, isRegex: op.endsWith('~'), isEqual: op.startsWith('=') });
}

/** `{a="1", b=~"x"}` or `a="1",b=~"x"`, as amtool and Grafana send in `filter`. */
export function parseMatchers(texts: readonly string[]): Matcher[] {
  return texts.flatMap((t) => {
    const inner = t.trim().replace(/^\{|\}$/g, '');
    return splitTopLevel(inner).map(parseMatcher);
  });
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && quoted) {
      cur += c + (s[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur);
  return out.filter((p) => p.trim() !== '');
}

export function formatMatcher(m: Matcher): string {
  const op = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return `${m.name}${op}${JSON.stringify(m.value)}`;
}
