// Deterministic randomness: every generated value is a pure function of the scenario seed and a
// label, so the same seed yields the same world whatever order its parts are generated in (open
// errors are generated lazily, on first access to a step).

/** 32-bit FNV-1a over the string, finished with murmur3's avalanche so short labels spread well. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hex(value: number, width: number): string {
  return (value >>> 0).toString(16).padStart(width, '0').slice(-width);
}

/** A small seeded PRNG (mulberry32) with the helpers generation needs. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A generator seeded from the scenario seed and a label, e.g. `flow:12` or a step id. */
  static for(seed: number, ...labels: Array<string | number>): Random {
    return new Random(hash32(`${seed}|${labels.join('|')}`));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Random.pick on an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    const total = entries.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
    if (total <= 0) throw new Error('Random.weighted needs at least one positive weight');
    let roll = this.next() * total;
    for (const [key, weight] of entries) {
      roll -= Math.max(0, weight);
      if (roll < 0) return key;
    }
    return (entries[entries.length - 1] as [K, number])[0];
  }

  hex(chars: number): string {
    let out = '';
    while (out.length < chars) out += hex(Math.floor(this.next() * 4294967296), 8);
    return out.slice(0, chars);
  }
}

/** Two hex digits per entity kind, so ids of different kinds can never collide. */
const KIND_CODES = {
  integration: 0x01,
  flow: 0x02,
  export: 0x03,
  import: 0x04,
  sync: 0x05,
  syncJob: 0x06,
  syncTableJob: 0x07,
  dataset: 0x08,
  flowJob: 0x09,
  retryJob: 0x0a,
  runtimeError: 0x0b,
  user: 0x0c,
} as const;
export type IdKind = keyof typeof KIND_CODES;

/**
 * A 24-hex Mongo-style objectId, unique by construction for (kind, index) within one seed: the
 * middle 8 digits are the kind code and the index; the outer 16 are hashes so ids look random.
 */
export function objectId(seed: number, kind: IdKind, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffff) throw new RangeError(`objectId index out of range: ${index}`);
  return hex(hash32(`${seed}|${kind}|${index}`), 8) + hex(KIND_CODES[kind], 2) + hex(index, 6) + hex(hash32(`${seed}|${kind}`), 8);
}

/** A 24-hex id for things generated lazily (open errors), derived from a label instead of a counter. */
export function hashedId(seed: number, label: string): string {
  return hex(hash32(`${seed}|a|${label}`), 8) + hex(hash32(`${seed}|b|${label}`), 8) + hex(hash32(`${seed}|c|${label}`), 8);
}

/** A 32-hex opaque key (retryDataKey, flowExecutionGroupId). */
export function opaqueKey(seed: number, label: string): string {
  return hashedId(seed, label) + hex(hash32(`${seed}|d|${label}`), 8);
}

/** A version-4-shaped UUID derived from a label (Airweave and Neo ids). */
export function uuid(seed: number, label: string): string {
  const h = opaqueKey(seed, `uuid|${label}`);
  const variant = ((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
