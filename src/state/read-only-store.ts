// The state store of `syncwatch once`: reads Redis like the daemon's, changes nothing in it. A
// cycle runs in this process, so its claim is always granted and its chunks are counted in memory;
// the request rate is kept in process too (no shared token bucket).
import type { RateLimiter } from '../http/types.ts';
import type { Snapshots } from './diff.ts';
import type { TargetSnapshot } from './snapshot.ts';
import { StateStore, type ChunkExtras, type FetchedUnit } from './store.ts';
import type { UnreadableSnapshot } from './unreadable.ts';

interface CycleProgress {
  done: Set<number>;
  failed: number;
  firstFailure?: { kind: string; message: string };
  extras: Map<number, ChunkExtras>;
}

export class ReadOnlyStateStore extends StateStore {
  private readonly cycles = new Map<string, CycleProgress>();

  override rateLimiter(): RateLimiter | undefined {
    return undefined;
  }

  override async save(_target: string, _next: Snapshots, _raw: Map<string, string>, _targetSnapshot?: TargetSnapshot): Promise<number> {
    return 0;
  }

  override async saveUnreadable(_target: string, _next: Readonly<Record<string, UnreadableSnapshot | null>>): Promise<void> {}

  /** `once` looks at everything: nothing counts as fetched already. */
  override async loadFetched(): Promise<Map<string, FetchedUnit>> {
    return new Map();
  }

  override async saveFetched(): Promise<void> {}

  override async pruneFetched(): Promise<void> {}

  override async forget(_target: string, _resourceKeys: readonly string[], _scopeHash: string): Promise<void> {}

  override async beginCycle(): Promise<{ started: boolean }> {
    return { started: true };
  }

  override async touchCycle(): Promise<boolean> {
    return true;
  }

  override async endCycle(target: string, cycle: string): Promise<void> {
    this.cycles.delete(`${target}\u0000${cycle}`);
  }

  /** As the daemon's (once per chunk, complete when every chunk is in), counted in memory. */
  override async finishChunk(
    ...[target, cycle, chunk, total, ok, failure, extras]: Parameters<StateStore['finishChunk']>
  ): ReturnType<StateStore['finishChunk']> {
    const id = `${target}\u0000${cycle}`;
    let progress = this.cycles.get(id);
    if (!progress) this.cycles.set(id, (progress = { done: new Set(), failed: 0, extras: new Map() }));
    if (extras) progress.extras.set(chunk, extras);
    const added = !progress.done.has(chunk);
    progress.done.add(chunk);
    if (!ok && added) {
      progress.failed++;
      progress.firstFailure ??= failure;
    }
    const complete = added && progress.done.size === total;
    return {
      complete,
      failed: progress.failed,
      ...(progress.firstFailure ? { firstFailure: progress.firstFailure } : {}),
      extras: complete ? [...progress.extras.values()] : [],
    };
  }
}
