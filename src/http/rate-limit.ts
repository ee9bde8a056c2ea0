import { realClock } from './clock.ts';
import type { Clock, RateLimiter } from './types.ts';

export interface TokenBucketOptions {
  /** Sustained rate: tokens added per second. */
  requestsPerSecond: number;
  /** Bucket size: how many requests may go at once after a quiet period; default = requestsPerSecond. */
  burst?: number;
  clock?: Clock;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  settled: boolean;
}

// Float noise from refilling in ms steps must not leave a token at 0.9999999.
const EPSILON = 1e-9;

/**
 * In-process token bucket. Waiters are served strictly first come, first served by one pump
 * that sleeps exactly until the next token is due, so there is no polling and no overtaking.
 */
export class TokenBucket implements RateLimiter {
  readonly requestsPerSecond: number;
  readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private lastRefill: number;
  private readonly queue: Waiter[] = [];
  private pumping = false;

  constructor(options: TokenBucketOptions) {
    if (!(options.requestsPerSecond > 0)) throw new RangeError('requestsPerSecond must be > 0');
    this.requestsPerSecond = options.requestsPerSecond;
    this.burst = Math.max(1, options.burst ?? options.requestsPerSecond);
    this.clock = options.clock ?? realClock;
    this.tokens = this.burst;
    this.lastRefill = this.clock.now();
  }

  acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.refill();
    if (this.queue.length === 0 && this.tokens >= 1 - EPSILON) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, settled: false };
      if (signal) {
        const onAbort = () => {
          if (waiter.settled) return;
          waiter.settled = true;
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.resolve = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
      }
      this.queue.push(waiter);
      void this.pump();
    });
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsedMs = Math.max(0, now - this.lastRefill);
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs * this.requestsPerSecond) / 1000);
    this.lastRefill = now;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        this.refill();
        if (this.tokens >= 1 - EPSILON) {
          const waiter = this.queue.shift()!;
          this.tokens -= 1;
          waiter.settled = true;
          waiter.resolve();
          continue;
        }
        const waitMs = Math.ceil(((1 - this.tokens) * 1000) / this.requestsPerSecond);
        await this.clock.sleep(waitMs);
      }
    } catch (error) {
      // Only a broken clock gets here; fail the waiters rather than hang them.
      for (const waiter of this.queue.splice(0)) {
        waiter.settled = true;
        waiter.reject(error);
      }
    } finally {
      this.pumping = false;
    }
  }
}
