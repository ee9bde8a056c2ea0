// A cycle's chunks go to BullMQ in groups (a job costs ~18 Redis key writes): a small cycle in one
// job that runs all its chunks at once (one job's writes, no chunk waiting for a round of others), a
// large one in groups run one chunk after the other that shrink as the cycle goes, so no worker is
// left with a long group at its end; the same plan makes the same job ids (a re-processed plan adds
// nothing).
import { describe, expect, it } from 'vitest';
import { groupChunks, MAX_GROUP } from '../../src/queues.ts';
import type { ChunkJob } from '../../src/watch/watch.ts';

const chunks = (n: number, cycle = '1000'): ChunkJob[] =>
  Array.from({ length: n }, (_, index) => ({ target: 'a b', cycle, index, total: n, chunk: { index } }));

describe('groupChunks', () => {
  it.each([
    // chunks, pollConcurrency → group sizes (concurrency). Up to MAX_GROUP × pollConcurrency chunks:
    // one job running all its chunks at once.
    [0, 4, [], []],
    [1, 4, [1], [1]],
    [3, 4, [3], [3]],
    [12, 4, [12], [12]],
    [32, 4, [32], [32]],
    [8, 1, [8], [8]],
    // More: groups run one chunk after the other, each its share of what is left (÷ 2 × pollConcurrency), at most MAX_GROUP.
    [33, 4, [5, 4, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1], Array(16).fill(1)],
    [100, 4, [8, 8, 8, 8, 8, 8, 7, 6, 5, 5, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1], Array(25).fill(1)],
    [9, 1, [5, 2, 1, 1], [1, 1, 1, 1]],
  ])('%i chunks, pollConcurrency %i → groups of %j, run %j at once', (n, concurrency, sizes, atOnce) => {
    const groups = groupChunks(chunks(n), concurrency);
    expect(groups.map((g) => g.data.chunks.length)).toEqual(sizes);
    expect(groups.map((g) => g.data.concurrency ?? 1)).toEqual(atOnce);
    // A job that runs its chunks one after the other holds at most MAX_GROUP of them.
    for (const g of groups)
      if ((g.data.concurrency ?? 1) === 1 && g.data.chunks.length > 1) expect(g.data.chunks.length).toBeLessThanOrEqual(MAX_GROUP);
    expect(groups.flatMap((g) => g.data.chunks.map((c) => c.index))).toEqual([...Array(n).keys()]);
  });

  it('a small cycle is one job that runs all its chunks at once', () => {
    for (let n = 1; n <= MAX_GROUP * 4; n++) {
      const groups = groupChunks(chunks(n), 4);
      expect(groups.length, `${n} chunks`).toBe(1);
      expect(groups[0]!.data.concurrency ?? 1, `${n} chunks`).toBe(n);
    }
  });

  it('names a group by target, cycle, first chunk and size, the same each time, never with a colon', () => {
    const ids = groupChunks(chunks(100), 4).map((g) => g.id);
    expect(ids[0]).toBe('chunks-a~20b-1000-0-8');
    expect(new Set(ids).size).toBe(ids.length);
    expect(groupChunks(chunks(100), 4).map((g) => g.id)).toEqual(ids);
    expect(groupChunks(chunks(3, '2000'), 4).map((g) => g.id)).toEqual(['chunks-a~20b-2000-0-3']);
    expect(ids.some((id) => id.includes(':'))).toBe(false);
  });
});
