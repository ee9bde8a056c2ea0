// What sits in front of the simulated API: the account's rate limit, injected faults, and the
// request statistics tests read back.

/** Celigo's limiter: a bucket of `burst` requests refilled at `refillPerSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private burst: number,
    private refillPerSecond: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  configure(burst: number, refillPerSecond: number): void {
    this.burst = burst;
    this.refillPerSecond = refillPerSecond;
    this.reset();
  }

  reset(): void {
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Takes one token; when the bucket is empty, the whole seconds until one is back. */
  take(): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) / 1000) * this.refillPerSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    const seconds = this.refillPerSecond > 0 ? Math.ceil((1 - this.tokens) / this.refillPerSecond) : 60;
    return { ok: false, retryAfterSeconds: Math.max(1, seconds) };
  }
}

export interface FaultSpec {
  /** A path prefix (`/v1/flows`), or a regular expression when it starts with `^`. */
  path: string;
  /** Only this method; default any. */
  method?: string;
  /** Status to answer with; default 500. Ignored when `hang`. */
  status?: number;
  /** Never answer (the client's timeout is what is being tested). */
  hang?: boolean;
  /** Only the next N matching requests; default every one until DELETE /__sim/faults. */
  times?: number;
  /** Raw response body; default the standard error envelope. */
  body?: string;
  headers?: Record<string, string>;
}

interface ActiveFault {
  id: number;
  spec: FaultSpec;
  matches: (pathname: string) => boolean;
  remaining: number;
  hits: number;
}

export class Faults {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  /** Throws on a `^…` path that is not a valid regular expression. */
  add(spec: FaultSpec): { id: number } {
    const matcher = spec.path.startsWith('^') ? new RegExp(spec.path) : undefined;
    const matches = matcher === undefined ? (p: string) => p.startsWith(spec.path) : (p: string) => matcher.test(p);
    const fault: ActiveFault = { id: this.nextId++, spec, matches, remaining: spec.times ?? Infinity, hits: 0 };
    this.faults.push(fault);
    return { id: fault.id };
  }

  clear(): void {
    this.faults = [];
  }

  list(): Array<FaultSpec & { id: number; hits: number; remaining: number | null }> {
    return this.faults.map((f) => ({ ...f.spec, id: f.id, hits: f.hits, remaining: Number.isFinite(f.remaining) ? f.remaining : null }));
  }

  /** The first fault for this request, with one use consumed; spent faults are dropped. */
  take(method: string, pathname: string): FaultSpec | undefined {
    const fault = this.faults.find((f) => (f.spec.method === undefined || f.spec.method.toUpperCase() === method) && f.matches(pathname));
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    fault.hits += 1;
    if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault.spec;
  }
}

export interface RetryKeyStats {
  count: number;
  /** ISO time of every receipt, in order. */
  timestamps: string[];
  flowId: string;
  stepId: string;
}

export interface StatsSnapshot {
  total: number;
  /** `METHOD /path/{template}` → status (or `hang`) → count. Unmatched paths count as `METHOD (unmatched)`. */
  byEndpoint: Record<string, Record<string, number>>;
  /** Every retryDataKey the retry endpoints received. */
  retryDataKeys: Record<string, RetryKeyStats>;
  /**
   * `METHOD /path/{template}` → status → milliseconds the simulator spent on those requests, summed:
   * from the request's arrival to its answer handed to the socket (latency, processing, waiting for
   * the event loop). A client sees each request take at least this long: benchmarks build lower
   * bounds on it.
   */
  serveMs: Record<string, Record<string, number>>;
}

export class Stats {
  private total = 0;
  private byEndpoint = new Map<string, Map<string, number>>();
  private retryKeys = new Map<string, RetryKeyStats>();
  private serveMs = new Map<string, Map<string, number>>();

  /** One request answered (or left hanging), and how long it took to serve (ms), when known. */
  record(endpoint: string, status: number | 'hang', ms?: number): void {
    this.total += 1;
    const byStatus = this.byEndpoint.get(endpoint) ?? new Map<string, number>();
    byStatus.set(String(status), (byStatus.get(String(status)) ?? 0) + 1);
    this.byEndpoint.set(endpoint, byStatus);
    if (ms !== undefined) {
      const served = this.serveMs.get(endpoint) ?? new Map<string, number>();
      served.set(String(status), (served.get(String(status)) ?? 0) + ms);
      this.serveMs.set(endpoint, served);
    }
  }

  recordRetryKeys(keys: readonly string[], flowId: string, stepId: string, at: string): void {
    for (const key of keys) {
      const entry = this.retryKeys.get(key) ?? { count: 0, timestamps: [], flowId, stepId };
      entry.count += 1;
      entry.timestamps.push(at);
      entry.flowId = flowId;
      entry.stepId = stepId;
      this.retryKeys.set(key, entry);
    }
  }

  reset(): void {
    this.total = 0;
    this.byEndpoint.clear();
    this.retryKeys.clear();
    this.serveMs.clear();
  }

  snapshot(): StatsSnapshot {
    return {
      total: this.total,
      byEndpoint: Object.fromEntries([...this.byEndpoint].map(([endpoint, byStatus]) => [endpoint, Object.fromEntries(byStatus)])),
      retryDataKeys: Object.fromEntries([...this.retryKeys].map(([key, s]) => [key, { ...s, timestamps: [...s.timestamps] }])),
      serveMs: Object.fromEntries(
        [...this.serveMs].map(([endpoint, byStatus]) => [
          endpoint,
          Object.fromEntries([...byStatus].map(([status, ms]) => [status, Math.round(ms * 1000) / 1000])),
        ]),
      ),
    };
  }
}
