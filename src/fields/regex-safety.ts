// Regexes from the config run against every open error's code and message, so a pattern that can
// backtrack exponentially would stall the retry worker. This is a small, conservative checker: it
// rejects a repeated group (`*`, `+`, `{n,}`) whose body can split the same text in more than one
// way — a nested unbounded repeat, or alternatives that can start with the same character — and
// allows the one common safe shape, a single repeat fenced by fixed delimiters (`\d+(\.\d+)*`).

/** What one regex atom can match, coarsely. `wide` is "anything, as far as we can tell". */
type CharSet = { kind: 'char'; ch: string } | { kind: 'digit' } | { kind: 'word' } | { kind: 'space' } | { kind: 'wide' };

type SetAtom = { kind: 'set'; set: CharSet; min: number; max: number; pos: number };
type GroupAtom = { kind: 'group'; alternatives: Atom[][]; lookaround: boolean; min: number; max: number; pos: number };
type Atom = SetAtom | GroupAtom | { kind: 'assertion'; pos: number };

const WIDE: CharSet = { kind: 'wide' };

/** Returns a message when `pattern` does not compile or can backtrack catastrophically. */
export function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (e) {
    return `invalid regular expression: ${compileErrorReason(e)}`;
  }
  const alternatives = new RegexParser(pattern).parse();
  return backtrackingProblem(alternatives);
}

/** V8 puts the pattern itself in the message (`/…/: reason`); keep only the reason. */
function compileErrorReason(e: unknown): string {
  const message = e instanceof Error ? e.message : '';
  const m = /^Invalid regular expression: \/.*\/[a-z]*: (.*)$/s.exec(message);
  return m?.[1] ?? 'it does not compile';
}

function backtrackingProblem(alternatives: Atom[][]): string | undefined {
  for (const sequence of alternatives) {
    for (const atom of sequence) {
      if (atom.kind !== 'group') continue;
      if (atom.max === Infinity && !atom.lookaround) {
        const where = `(the group at character ${atom.pos + 1})`;
        if (containsUnboundedRepeat(atom.alternatives) && !isFencedSingleRepeat(atom.alternatives)) {
          return `regex can backtrack catastrophically: a repeated group contains another unbounded repeat, like (a+)+ or (.*)* ${where}`;
        }
        if (alternativesOverlap(atom.alternatives)) {
          return (
            'regex can backtrack catastrophically: alternatives of a repeated group can match the same text, ' +
            `like (a|a)* or (a|ab)* ${where}`
          );
        }
      }
      const inner = backtrackingProblem(atom.alternatives);
      if (inner) return inner;
    }
  }
  return undefined;
}

function containsUnboundedRepeat(alternatives: Atom[][]): boolean {
  return alternatives.some((sequence) =>
    sequence.some(
      (atom) =>
        (atom.kind !== 'assertion' && atom.max === Infinity) || (atom.kind === 'group' && containsUnboundedRepeat(atom.alternatives)),
    ),
  );
}

/**
 * `(\.\d+)*`, `(\w+\s)*`: one unbounded repeat of a character set, every other atom a fixed-count
 * set that cannot match the same characters. Each iteration then parses in exactly one way.
 */
function isFencedSingleRepeat(alternatives: Atom[][]): boolean {
  const [sequence, ...others] = alternatives;
  if (!sequence || others.length > 0) return false;
  const consuming = sequence.filter((atom) => atom.kind !== 'assertion');
  const repeats = consuming.filter((atom) => atom.kind === 'set' && atom.max === Infinity);
  const [repeat] = repeats;
  if (repeats.length !== 1 || repeat?.kind !== 'set') return false;
  const fences = consuming.filter((atom) => atom !== repeat);
  return (
    fences.length > 0 &&
    fences.every((atom) => atom.kind === 'set' && atom.min === atom.max && atom.min >= 1 && !setsOverlap(atom.set, repeat.set))
  );
}

function alternativesOverlap(alternatives: Atom[][]): boolean {
  const firsts = alternatives.map(firstChars);
  for (let i = 0; i < firsts.length; i++) {
    for (let j = i + 1; j < firsts.length; j++) {
      if (firsts[i]!.some((a) => firsts[j]!.some((b) => setsOverlap(a, b)))) return true;
    }
  }
  return false;
}

/** The characters a sequence can start with; `wide` when it can match the empty string. */
function firstChars(sequence: Atom[]): CharSet[] {
  const result: CharSet[] = [];
  for (const atom of sequence) {
    if (atom.kind === 'assertion' || (atom.kind === 'group' && atom.lookaround)) continue;
    if (atom.kind === 'set') result.push(atom.set);
    else for (const alternative of atom.alternatives) result.push(...firstChars(alternative));
    if (atom.min > 0) return result;
  }
  result.push(WIDE);
  return result;
}

function setsOverlap(a: CharSet, b: CharSet): boolean {
  if (a.kind === 'wide' || b.kind === 'wide') return true;
  if (a.kind === 'char' && b.kind === 'char') return a.ch === b.ch;
  if (a.kind === 'char') return charInSet(a.ch, b);
  if (b.kind === 'char') return charInSet(b.ch, a);
  if (a.kind === b.kind) return true;
  // \d is a subset of \w; \s is disjoint from both.
  return (a.kind === 'digit' && b.kind === 'word') || (a.kind === 'word' && b.kind === 'digit');
}

function charInSet(ch: string, set: CharSet): boolean {
  switch (set.kind) {
    case 'digit':
      return /\d/.test(ch);
    case 'word':
      return /\w/.test(ch);
    case 'space':
      return /\s/.test(ch);
    default:
      return true;
  }
}

/** A lenient parser: the pattern already compiled, so it only needs to find the structure. */
class RegexParser {
  private i = 0;
  constructor(private readonly src: string) {}

  parse(): Atom[][] {
    return this.alternatives();
  }

  private alternatives(): Atom[][] {
    const result: Atom[][] = [[]];
    while (this.i < this.src.length) {
      const c = this.src[this.i]!;
      if (c === ')') break;
      if (c === '|') {
        this.i++;
        result.push([]);
        continue;
      }
      const atom = this.atom();
      if (atom) result[result.length - 1]!.push(atom);
    }
    return result;
  }

  private atom(): Atom | undefined {
    const pos = this.i;
    const c = this.src[this.i++]!;
    if (c === '^' || c === '$') return { kind: 'assertion', pos };
    if (c === '(') return this.quantified(this.group(pos));
    if (c === '[') {
      this.skipClass();
      return this.quantified({ kind: 'set', set: WIDE, min: 1, max: 1, pos });
    }
    if (c === '.') return this.quantified({ kind: 'set', set: WIDE, min: 1, max: 1, pos });
    if (c === '\\') {
      const set = this.escape();
      if (set === 'assertion') return { kind: 'assertion', pos };
      return this.quantified({ kind: 'set', set, min: 1, max: 1, pos });
    }
    return this.quantified({ kind: 'set', set: { kind: 'char', ch: c }, min: 1, max: 1, pos });
  }

  private group(pos: number): GroupAtom {
    let lookaround = false;
    if (this.src[this.i] === '?') {
      const rest = this.src.slice(this.i + 1);
      if (/^(?:=|!|<=|<!)/.test(rest)) lookaround = true;
      // Skip the group's prefix: ?: ?= ?! ?<= ?<! ?<name> or modifiers like ?i:
      const prefix = /^\?(?:<=|<!|<[^>]*>|[=!:]|[a-z-]*:)/.exec(this.src.slice(this.i));
      this.i += prefix ? prefix[0].length : 1;
    }
    const alternatives = this.alternatives();
    this.i++; // the closing ')'
    return { kind: 'group', alternatives, lookaround, min: 1, max: 1, pos };
  }

  private skipClass(): void {
    while (this.i < this.src.length) {
      const c = this.src[this.i++];
      if (c === '\\') this.i++;
      else if (c === ']') return;
    }
  }

  private escape(): CharSet | 'assertion' {
    const c = this.src[this.i++] ?? '';
    switch (c) {
      case 'd':
        return { kind: 'digit' };
      case 'w':
        return { kind: 'word' };
      case 's':
        return { kind: 'space' };
      case 'b':
      case 'B':
        return 'assertion';
      case 'n':
        return { kind: 'char', ch: '\n' };
      case 't':
        return { kind: 'char', ch: '\t' };
      case 'r':
        return { kind: 'char', ch: '\r' };
      case 'u':
      case 'x':
      case 'c':
      case 'p':
      case 'P':
      case 'k': {
        // \u{…} \uXXXX \xHH \cX \p{…} \k<name>: skip the payload; treat as "anything" to stay conservative.
        const payload = /^(?:\{[^}]*\}|<[^>]*>|[0-9A-Fa-f]{4}|[0-9A-Fa-f]{2}|[A-Za-z])/.exec(this.src.slice(this.i));
        if (payload) this.i += payload[0].length;
        return WIDE;
      }
      default:
        // Backreferences and \D \W \S can match many things; any other escape is the literal character.
        if (/[1-9DWS]/.test(c)) return WIDE;
        return { kind: 'char', ch: c };
    }
  }

  private quantified(atom: SetAtom | GroupAtom): Atom {
    const rest = this.src.slice(this.i);
    const m = /^(?:([*+?])|\{(\d+)(,(\d*))?\})\??/.exec(rest);
    if (!m) return atom;
    this.i += m[0].length;
    if (m[1] === '*') return { ...atom, min: 0, max: Infinity };
    if (m[1] === '+') return { ...atom, min: 1, max: Infinity };
    if (m[1] === '?') return { ...atom, min: 0, max: 1 };
    const min = Number(m[2]);
    const max = m[3] === undefined ? min : m[4] === '' ? Infinity : Number(m[4]);
    return { ...atom, min, max };
  }
}
