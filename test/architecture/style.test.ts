// The house style that prettier cannot enforce by itself: no line in src/ is over 140 characters
// (prettier wraps code at 140 but leaves long strings, template literals and comments alone).
// A line that runs over fails here with its file:line, so the rule stays.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
const MAX_LINE = 140;

/** `file:line (N chars)` for every line of `text` longer than `max` characters. */
export function longLines(file: string, text: string, max = MAX_LINE): string[] {
  return text.split('\n').flatMap((line, i) => ([...line].length > max ? [`${file}:${i + 1} (${[...line].length} chars)`] : []));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('line length', () => {
  it('names the file and line of a line over the limit, and counts characters, not bytes', () => {
    const ok = 'x'.repeat(MAX_LINE);
    const long = 'y'.repeat(MAX_LINE + 1);
    expect(longLines('a.ts', `${ok}\n${long}\nshort\n${long}`)).toEqual(['a.ts:2 (141 chars)', 'a.ts:4 (141 chars)']);
    expect(longLines('b.ts', '…'.repeat(MAX_LINE))).toEqual([]);
  });

  it(`no line in src/ is over ${MAX_LINE} characters`, () => {
    const files = sourceFiles(join(root, 'src'));
    expect(files.length).toBeGreaterThan(10);
    const over = files.flatMap((f) => longLines(relative(root, f), readFileSync(f, 'utf8')));
    expect(over, `wrap these lines (split strings with + or [..].join, reflow comments):\n${over.join('\n')}`).toEqual([]);
  });
});
