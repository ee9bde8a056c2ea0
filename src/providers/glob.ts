// Name globs as users write them in include/exclude/expect: `*` any run, `?` one character.
const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, 'i');
    cache.set(glob, re);
  }
  return re;
}

/** True when any pattern matches any of the candidate strings (an id, a name). */
export function matchesAny(patterns: readonly string[], ...candidates: Array<string | undefined>): boolean {
  return patterns.some((p) => candidates.some((c) => c !== undefined && globToRegExp(p).test(c)));
}
