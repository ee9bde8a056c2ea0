// A cycle's chunks go to BullMQ in groups (a job costs ~18 Redis key writes): a small cycle in at
// most pollConcurrency near-equal groups (the parallelism of one worker, with the fewest jobs), a
// large one in groups that shrink as the cycle goes, so no worker is left with a long group at its
// end; the same plan makes the same job ids (a re-processed plan adds nothing).
import { describe, expect, it } from 'vitest';
import { groupChunks, MAX_GROUP } from '../../src/queues.ts';
import type { ChunkJob } from '../../src/watch/watch.ts';

const chunks = (n: number, cycle = '1000'): ChunkJob[] =>
  Array.from({ length: n }, (_, index) => ({ target: 'a b', cycle, index, total: n, chunk: { index } }));

describe('groupChunks', () => {
  it.each([
    // chunks, pollConcurrency → group sizes. Up to MAX_GROUP × pollConcurrency chunks: at most
    // pollConcurrency groups, the first ones a chunk larger when they do not divide evenly.
    [0, 4, []],
    [1, 4, [1]],
    [3, 4, [1, 1, 1]],
    [6, 4, [2, 2, 1, 1]],
    [11, 4, [3, 3, 3, 2]],
    [12, 4, [3, 3, 3, 3]],
    [17, 4, [5, 4, 4, 4]],
    [32, 4, [8, 8, 8, 8]],
    [8, 1, [8]],
    // More: each its share of what is left (÷ 2 × pollConcurrency), at most MAX_GROUP.
    [33, 4, [5, 4, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]],
    [100, 4, [8, 8, 8, 8, 8, 8, 7, 6, 5, 5, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]],
    [9, 1, [5, 2, 1, 1]],
    [100, 1, [8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 6, 3, 2, 1]],
  ])('%i chunks, pollConcurrency %i → groups of %j', (n, concurrency, sizes) => {
    const groups = groupChunks(chunks(n), concurrency);
    expect(groups.map((g) => g.data.chunks.length)).toEqual(sizes);
    expect(Math.max(0, ...sizes)).toBeLessThanOrEqual(MAX_GROUP);
    expect(groups.flatMap((g) => g.data.chunks.map((c) => c.index))).toEqual([...Array(n).keys()]);
  });

  it('a small cycle is as many jobs as a worker runs at once, no more: 12 chunks at pollConcurrency 4 are 4 jobs, not 10', () => {
    for (let n = 1; n <= MAX_GROUP * 4; n++) {
      const sizes = groupChunks(chunks(n), 4).map((g) => g.data.chunks.length);
      expect(sizes.length, `${n} chunks`).toBe(Math.min(n, 4));
      // The longest job (the cycle's length, in chunks run one after the other) is as short as 4 at once allow.
      expect(Math.max(...sizes), `${n} chunks`).toBe(Math.ceil(n / 4));
    }
  });

  it('names a group by target, cycle, first chunk and size, the same each time, never with a colon', () => {
    const ids = groupChunks(chunks(100), 4).map((g) => g.id);
    expect(ids[0]).toBe('chunks-a~20b-1000-0-8');
    expect(new Set(ids).size).toBe(ids.length);
    expect(groupChunks(chunks(100), 4).map((g) => g.id)).toEqual(ids);
    expect(groupChunks(chunks(3, '2000'), 4).map((g) => g.id)).toEqual([
      'chunks-a~20b-2000-0-1',
      'chunks-a~20b-2000-1-1',
      'chunks-a~20b-2000-2-1',
    ]);
    expect(ids.some((id) => id.includes(':'))).toBe(false);
  });
});
