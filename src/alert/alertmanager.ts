// The alert as Alertmanager's tools and receivers see it: its fingerprint (16 hex digits of the
// label-set hash) and string annotations. One function, used by the webhook payload and the API.
import { labelSetOf, type AlertEvent, type LabelSet } from './model.ts';

// FNV-1a 64 over the sorted label names and values, each followed by 0xff: prometheus/common's
// model.LabelSet.Fingerprint(), printed as Alertmanager does (16 hex digits).
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

export function labelsFingerprint(labels: LabelSet): string {
  let h = FNV_OFFSET;
  const add = (bytes: Uint8Array) => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK;
  };
  const sep = Uint8Array.of(0xff);
  const enc = new TextEncoder();
  for (const name of Object.keys(labels).sort()) {
    add(enc.encode(name));
    add(sep);
    add(enc.encode(labels[name]!));
    add(sep);
  }
  return h.toString(16).padStart(16, '0');
}

/** Alertmanager's fingerprint of an alert: its label set (with alertname), hashed. Webhook and API use this. */
export const alertFingerprint = (a: Pick<AlertEvent, 'labels' | 'annotations'>): string => labelsFingerprint(labelSetOf(a));

/** Annotation values are strings in Alertmanager: numbers and objects are JSON-encoded. */
export function stringAnnotations(a: AlertEvent['annotations']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
