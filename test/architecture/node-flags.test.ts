// Production runs the daemon with one set of node flags (a heap limit, so V8 collects before
// garbage piles up): `npm start` and the container's entry point must agree, and the cycle
// benchmark reads them from `npm start`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** The words between `node` and `bin/syncwatch.js`. */
const flagsBetween = (words: string[]) => words.slice(words.indexOf('node') + 1, words.indexOf('bin/syncwatch.js'));

describe('node flags of the daemon', () => {
  it('npm start and the Dockerfile entry point run node with the same flags, a heap limit among them', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
    const start = flagsBetween(pkg.scripts.start.split(/\s+/));
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
    expect(entry, 'the Dockerfile has a JSON-form ENTRYPOINT').not.toBeNull();
    // The container passes them in NODE_OPTIONS (so `docker run -e NODE_OPTIONS=…` can change them).
    const nodeOptions = /^ENV NODE_OPTIONS=(.*)$/m.exec(dockerfile)?.[1]?.split(/\s+/) ?? [];
    expect([...flagsBetween(JSON.parse(entry![1]!) as string[]), ...nodeOptions]).toEqual(start);
    expect(start.some((f) => /^--max-old-space-size=\d+$/.test(f))).toBe(true);
  });
});
