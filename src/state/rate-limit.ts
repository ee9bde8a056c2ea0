// A token bucket in Redis, shared by every replica polling the same target, so the per-target
// request rate holds for the deployment as a whole (DESIGN: "the per-account request rate is
// enforced for all of them together").
//
// One round trip per request would cost as many Redis scripts as API requests (10,600 a cycle for
// 10,000 flows), so a process takes a small lease of tokens at once — 1/10 s of the rate, so never
// more than 100 ms of traffic ahead — and hands them out locally (each lease is one write of the
// bucket: ~100 a cycle at 1,000/s). A lease not used within LEASE_TTL_MS is dropped (never spent
// late), so the rate seen upstream never exceeds the configured one; at low rates (< 20/s) the
// lease is 1 token, i.e. the original one-by-one bucket.
import type { RedisClient as Redis } from './redis.ts';
import type { RateLimiter } from '../http/types.ts';
import { defineScripts, type ScriptCall } from './scripts.ts';

// KEYS: bucket. ARGV: rate per second, burst, now ms, tokens wanted. Returns {tokens taken, ms to
// wait}: all the tokens wanted, or none and how long until they will all be there.
// Refilling is a pure function of (tokens, at, now), so a take that gets nothing writes nothing. The
// key expires (a full bucket, as an absent one reads) no sooner than the bucket would be full again
// plus a second: its TTL is twice that, renewed only once half of it has passed.
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local want = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
if now > at then tokens = math.min(burst, tokens + (now - at) * rate / 1000) end
if tokens < want then return { 0, math.ceil((want - tokens) * 1000 / rate) } end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - want), 'at', tostring(math.max(now, at)))
local ttl = 2 * (math.ceil(burst * 1000 / rate) + 1000)
if redis.call('PTTL', KEYS[1]) < ttl / 2 then redis.call('PEXPIRE', KEYS[1], ttl) end
return { want, 0 }
`;

/** Unused leased tokens are dropped after this long. */
const LEASE_TTL_MS = 250;

export class RedisTokenBucket implements RateLimiter {
  private leased = 0;
  private leasedAt = 0;
  /** One lease request at a time; everyone else waits for it. */
  private refilling: Promise<void> | undefined;
  private readonly takeTokens: ScriptCall;

  constructor(
    redis: Redis,
    private readonly key: string,
    private readonly ratePerSecond: number,
    private readonly burst = Math.max(1, Math.ceil(ratePerSecond)),
    private readonly now: () => number = Date.now,
    private readonly lease = Math.max(1, Math.min(burst, Math.floor(ratePerSecond / 10))),
  ) {
    this.takeTokens = defineScripts(redis, { syncwatchBucketTake: TAKE }).syncwatchBucketTake;
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.leased > 0 && this.now() - this.leasedAt > LEASE_TTL_MS) this.leased = 0;
      if (this.leased > 0) {
        this.leased--;
        return;
      }
      this.refilling ??= this.take().finally(() => (this.refilling = undefined));
      await this.refilling;
    }
  }

  private async take(): Promise<void> {
    const args = [String(this.ratePerSecond), String(this.burst), String(this.now()), String(this.lease)];
    const reply = await this.takeTokens([this.key], ...args);
    const [took, wait] = (reply as [number, number]).map(Number) as [number, number];
    if (took > 0) {
      this.leased += took;
      this.leasedAt = this.now();
      return;
    }
    // Shared by every waiter of this process; each re-checks its own signal after it.
    await new Promise<void>((resolve) => setTimeout(resolve, wait));
  }
}
