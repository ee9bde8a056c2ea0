// Human wording for zod's issues. The rule: describe what was expected, never the value received
// (a config value may be a token). The kind of value received (a string, a list…) is fine to name.
import type { z } from 'zod';
import { isRecord } from '../json.ts';

export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `${expectedType(issue.expected)}, got ${describeKind(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `expected ${JSON.stringify(issue.values[0])}`
        : `expected one of: ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return tooSmall(issue.origin, Number(issue.minimum), issue.inclusive !== false);
    case 'too_big':
      return tooBig(issue.origin, Number(issue.maximum), issue.inclusive !== false);
    case 'invalid_format':
      return FORMAT_MESSAGES[issue.format] ?? `expected a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys': {
      // One line per key, in `keys` order (the loader reports each at its own position).
      const known = knownKeys(issue.inst);
      return issue.keys.map((key) => unknownKeyMessage(key, known)).join('\n');
    }
    case 'invalid_key':
      return `invalid key: ${issue.issues[0]?.message ?? 'not allowed here'}`;
    case 'invalid_element':
      return 'invalid entry';
    case 'invalid_union': {
      const allowed = 'options' in issue ? issue.options : undefined;
      if (issue.discriminator === undefined || !Array.isArray(allowed)) return 'does not match any allowed form';
      const options = allowed.map(String).join(', ');
      const given = isRecord(issue.input) ? issue.input[issue.discriminator] : issue.input;
      return given === undefined ? `required (one of: ${options})` : `expected one of: ${options}`;
    }
    case 'custom':
      return issue.message ?? 'invalid';
    default:
      return undefined;
  }
};

export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const suggestion = closest(key, known);
  return `unknown key ${JSON.stringify(key)}${suggestion === undefined ? '' : ` (did you mean ${JSON.stringify(suggestion)}?)`}`;
}

/** The keys an object schema declares, read from zod's definition. */
function knownKeys(inst: unknown): string[] {
  const shape = (inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

/** The known key a typo most likely meant: same letters ignoring case, or at most 2 edits away. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (distance <= Math.min(2, Math.floor(candidate.length / 3)) && (!best || distance < best.distance)) {
      best = { key: candidate, distance };
    }
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

const FORMAT_MESSAGES: Record<string, string> = {
  email: 'expected an e-mail address like name@example.com',
  url: 'expected a URL',
  guid: 'expected a UUID',
  uuid: 'expected a UUID',
  datetime: 'expected an ISO date-time like 2026-12-31T00:00:00Z',
  regex: 'has the wrong format',
};

function expectedType(expected: string): string {
  switch (expected) {
    case 'object':
    case 'record':
    case 'map':
      return 'expected a map';
    case 'array':
    case 'tuple':
      return 'expected a list';
    case 'string':
      return 'expected a string';
    case 'number':
      return 'expected a number';
    case 'int':
      return 'expected a whole number';
    case 'boolean':
      return 'expected true or false';
    case 'date':
      return 'expected a date';
    default:
      return `expected ${expected}`;
  }
}

/** The kind of a received value — never the value itself. */
export function describeKind(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return Number.isInteger(value) ? 'a whole number' : 'a number';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'a map';
    default:
      return typeof value;
  }
}

function tooSmall(origin: string, minimum: number, inclusive: boolean): string {
  switch (origin) {
    case 'array':
    case 'set':
      return minimum <= 1 ? 'must not be empty' : `needs at least ${minimum} entries`;
    case 'string':
      return minimum <= 1 ? 'must not be empty' : `must be at least ${minimum} characters`;
    default:
      return inclusive ? `must be at least ${minimum}` : `must be greater than ${minimum}`;
  }
}

function tooBig(origin: string, maximum: number, inclusive: boolean): string {
  switch (origin) {
    case 'array':
    case 'set':
      return `must have at most ${maximum} entries`;
    case 'string':
      return `must be at most ${maximum} characters`;
    default:
      return inclusive ? `must be at most ${maximum}` : `must be less than ${maximum}`;
  }
}
