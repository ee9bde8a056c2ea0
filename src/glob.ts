// The one glob matcher: include/exclude, expect, retry policy match, route and silence `match`,
// and config validation all read globs through here.
//
// Rules (one set, everywhere):
// - `*` any run of characters (none included), `?` exactly one; every other character is literal
//   (`.`, `/`, `(`, `[`, `{`, `!`, `+`, `\` …): names are not paths and braces are not alternatives.
// - An id is compared case-sensitively (target names, integration/flow/step/sync ids, label values);
//   a human name (an integration's, flow's or sync's name, the `name` label) without regard to case.
// - Each (pattern, case) is compiled once by picomatch and cached, so the routing path never
//   recompiles.
import picomatch from 'picomatch';

/** What a glob is matched against: an `id` (case-sensitive) or a human `name` (any case). */
export type GlobSubject = 'id' | 'name';

export type GlobTest = (value: string) => boolean;

// picomatch is a path matcher: `/` (and `\`) separate segments, `?` and `*` stop at them, and `.`
// and `..` segments are special. Our values are not paths, so those three characters are swapped
// for private-use ones on both sides before matching, and every other character but `*` and `?`
// is escaped: the pattern's syntax is exactly the two wildcards.
const PATH_CHARS: Record<string, string> = { '/': '\uE000', '\\': '\uE001', '.': '\uE002' };
const unpath = (s: string) => (/[/\\.]/.test(s) ? s.replace(/[/\\.]/g, (c) => PATH_CHARS[c]!) : s);
const escapeLiterals = (glob: string) => unpath(glob).replace(/[^*?\p{L}\p{N}\p{Co} _-]/gu, '\\$&');

const cache = new Map<string, GlobTest>();

function compile(glob: string, subject: GlobSubject): GlobTest {
  // picomatch refuses an empty pattern and a lone `*` does not match the empty string: the rule
  // says `*` matches any run (none included), and "" matches only "".
  if (glob === '') return (value) => value === '';
  if (/^\*+$/.test(glob)) return () => true;
  // `s`: `*` spans line breaks too; `i` for names (`flags` overrides picomatch's `nocase`).
  const flags = subject === 'name' ? 'si' : 's';
  const test = picomatch(escapeLiterals(glob), { dot: true, flags, nobrace: true, noextglob: true, nonegate: true, format: unpath });
  return (value) => test(value);
}

/** The cached matcher of one glob. */
export function globMatcher(glob: string, subject: GlobSubject): GlobTest {
  const key = `${subject}\u0000${glob}`;
  let test = cache.get(key);
  if (!test) {
    test = compile(glob, subject);
    cache.set(key, test);
  }
  return test;
}

export function globMatches(glob: string, value: string, subject: GlobSubject): boolean {
  return globMatcher(glob, subject)(value);
}

/** True when the pattern uses `*` or `?` (otherwise it names one thing exactly). */
export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** A resource as globs see it: its id and, when it has one, its human name. */
export interface GlobCandidate {
  id?: string | undefined;
  name?: string | undefined;
}

/** True when any pattern matches the id (case-sensitive) or the name (any case). */
export function matchesAnyGlob(patterns: readonly string[], candidate: GlobCandidate): boolean {
  return compileGlobs(patterns)(candidate);
}

/** Compile a list of patterns once; the result tests candidates (id and/or name). */
export function compileGlobs(patterns: readonly string[]): (candidate: GlobCandidate) => boolean {
  const ids = patterns.map((p) => globMatcher(p, 'id'));
  const names = patterns.map((p) => globMatcher(p, 'name'));
  return ({ id, name }) => (id !== undefined && ids.some((test) => test(id))) || (name !== undefined && names.some((test) => test(name)));
}

/**
 * The same pattern as a regular expression's source (unanchored, case-sensitive): how a glob is shown
 * to tools that speak regexes (Alertmanager's `=~` matchers in the API).
 */
export function globToRegexSource(glob: string): string {
  return glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
}
