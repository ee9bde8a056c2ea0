// A cycle's chunks go to BullMQ in groups (a job costs ~18 Redis key writes) that shrink as the
// cycle goes, so no worker is left with a long group at its end; the same plan makes the same job
// ids (a re-processed plan adds nothing).
import { describe, expect, it } from 'vitest';
import { groupChunks, MAX_GROUP } from '../../src/queues.ts';
import type { ChunkJob } from '../../src/watch/watch.ts';

const chunks = (n: number, cycle = '1000'): ChunkJob[] =>
  Array.from({ length: n }, (_, index) => ({ target: 'a b', cycle, index, total: n, chunk: { index } }));

describe('groupChunks', () => {
  it.each([
    // chunks, pollConcurrency → group sizes: each its share of what is left (÷ 2 × pollConcurrency), at most MAX_GROUP
    [0, 4, []],
    [1, 4, [1]],
    [6, 4, [1, 1, 1, 1, 1, 1]],
    [17, 4, [3, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1]],
    [100, 4, [8, 8, 8, 8, 8, 8, 7, 6, 5, 5, 4, 4, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]],
    [100, 1, [8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 6, 3, 2, 1]],
  ])('%i chunks, pollConcurrency %i → groups of %j', (n, concurrency, sizes) => {
    const groups = groupChunks(chunks(n), concurrency);
    expect(groups.map((g) => g.data.chunks.length)).toEqual(sizes);
    expect(Math.max(0, ...sizes)).toBeLessThanOrEqual(MAX_GROUP);
    expect(groups.flatMap((g) => g.data.chunks.map((c) => c.index))).toEqual([...Array(n).keys()]);
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
