import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/http/index.ts';
import { SyncwatchError } from '../../src/errors.ts';
import { RecordingClock, sendJson, startServer, type Handler, type TestServer } from './fixtures.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: Handler): Promise<TestServer> {
  const server = await startServer(handler);
  cleanups.push(() => server.close());
  return server;
}

function client(baseUrl: string): HttpClient {
  const http = new HttpClient({ target: 'test', baseUrl, auth: { type: 'bearer', token: 't0ken' }, clock: new RecordingClock() });
  cleanups.push(() => http.close());
  return http;
}

async function collect<T>(pages: AsyncIterable<T[]>): Promise<T[][]> {
  const result: T[][] = [];
  for await (const page of pages) result.push(page);
  return result;
}

async function collectUntilError<T>(pages: AsyncIterable<T[]>): Promise<{ pages: T[][]; error: SyncwatchError }> {
  const result: T[][] = [];
  try {
    for await (const page of pages) result.push(page);
  } catch (error) {
    expect(error).toBeInstanceOf(SyncwatchError);
    return { pages: result, error: error as SyncwatchError };
  }
  throw new Error('expected the listing to fail');
}

describe('paginateLink', () => {
  it('follows relative and absolute next links across 3 pages, with several rels per header', async () => {
    let origin = '';
    const server = await serve((req, res) => {
      const page = new URL(req.url, 'http://x').searchParams.get('page') ?? '1';
      const links: Record<string, string> = {
        // relative link, rel listed after another link
        '1': `</v1/flows?page=1>; rel="first", </v1/flows?page=2> ; rel="next"`,
        // absolute link, unquoted rel, a comma inside a quoted title
        '2': `<${origin}/v1/flows?page=1>; rel=prev; title="back, please",<${origin}/v1/flows?page=3>;rel=next`,
        // several rel types in one value, no next
        '3': `<${origin}/v1/flows?page=1>; rel="first start"`,
      };
      sendJson(res, 200, [{ _id: `flow-${page}` }], { link: links[page]! });
    });
    origin = server.origin;
    const pages = await collect(client(server.origin).paginateLink<{ _id: string }>({ path: '/v1/flows' }));
    expect(pages).toEqual([[{ _id: 'flow-1' }], [{ _id: 'flow-2' }], [{ _id: 'flow-3' }]]);
    expect(server.received.map((r) => r.url)).toEqual(['/v1/flows', '/v1/flows?page=2', '/v1/flows?page=3']);
  });

  it('with prefetch, asks for the next page while the caller still reads the current one; the same pages come out', async () => {
    let origin = '';
    const server = await serve((req, res) => {
      const page = Number(new URL(req.url, 'http://x').searchParams.get('page') ?? '1');
      sendJson(res, 200, [{ _id: `flow-${page}` }], page < 3 ? { link: `<${origin}/v1/flows?page=${page + 1}>; rel="next"` } : {});
    });
    origin = server.origin;
    const pages: Array<Array<{ _id: string }>> = [];
    for await (const page of client(server.origin).paginateLink<{ _id: string }>({ path: '/v1/flows', prefetch: true })) {
      pages.push(page);
      // Page 2 is asked for before the caller is done with page 1 (waited for, not slept on).
      if (pages.length === 1) await expect.poll(() => server.received.length).toBe(2);
    }
    expect(pages).toEqual([[{ _id: 'flow-1' }], [{ _id: 'flow-2' }], [{ _id: 'flow-3' }]]);
    expect(server.received.map((r) => r.url)).toEqual(['/v1/flows', '/v1/flows?page=2', '/v1/flows?page=3']);
  });

  it('without prefetch, asks for a page only when the caller wants it', async () => {
    let origin = '';
    const server = await serve((req, res) => {
      const page = Number(new URL(req.url, 'http://x').searchParams.get('page') ?? '1');
      sendJson(res, 200, [{ _id: `flow-${page}` }], page < 3 ? { link: `<${origin}/v1/flows?page=${page + 1}>; rel="next"` } : {});
    });
    origin = server.origin;
    for await (const page of client(server.origin).paginateLink<{ _id: string }>({ path: '/v1/flows' })) {
      expect(page).toEqual([{ _id: 'flow-1' }]);
      break;
    }
    expect(server.received.map((r) => r.url)).toEqual(['/v1/flows']);
  });

  it('yields nothing for a 204 first page', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    expect(await collect(client(server.origin).paginateLink({ path: '/v1/flows' }))).toEqual([]);
  });

  it('refuses a next link to another origin', async () => {
    const server = await serve((_req, res) =>
      sendJson(res, 200, [{ _id: 'a' }], { link: '<https://evil.example/v1/flows?page=2>; rel="next"' }),
    );
    const { error } = await collectUntilError(client(server.origin).paginateLink({ path: '/v1/flows' }));
    expect(error.kind).toBe('upstream');
    expect(error.message).toContain('another origin');
    expect(server.received).toHaveLength(1);
  });

  it('stops with an error when a next link repeats', async () => {
    const server = await serve((req, res) => {
      const next = req.url === '/v1/flows' ? '/v1/flows?page=2' : '/v1/flows';
      sendJson(res, 200, [{ url: req.url }], { link: `<${next}>; rel="next"` });
    });
    const { pages, error } = await collectUntilError(client(server.origin).paginateLink({ path: '/v1/flows' }));
    expect(pages).toEqual([[{ url: '/v1/flows' }]]);
    expect(error.message).toContain('loop');
    expect(server.received).toHaveLength(2);
  });

  it('stops with an error beyond maxPages', async () => {
    const server = await serve((req, res) => {
      const page = Number(new URL(req.url, 'http://x').searchParams.get('page') ?? '1');
      sendJson(res, 200, [page], { link: `</v1/flows?page=${page + 1}>; rel="next"` });
    });
    const { pages, error } = await collectUntilError(client(server.origin).paginateLink<number>({ path: '/v1/flows', maxPages: 3 }));
    expect(pages).toEqual([[1], [2]]);
    expect(error.message).toContain('more than 3 pages');
  });

  it('refuses a body that is not an array', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { flows: [] }));
    const { error } = await collectUntilError(client(server.origin).paginateLink({ path: '/v1/flows' }));
    expect(error.message).toContain('expected a JSON array');
  });
});

describe('paginateBody', () => {
  const flowStep = '/v1/flows/5f0c3a9e8b1d2c0012345678/5f0c3a9e8b1d2c0012345679/errors';

  it('follows nextPageURL across 3 pages (relative, then absolute) until it is omitted', async () => {
    let origin = '';
    const server = await serve((req, res) => {
      const url = new URL(req.url, 'http://x');
      const page = url.searchParams.get('page') ?? '1';
      const next: Record<string, string | undefined> = {
        '1': `${flowStep}?page=2`,
        '2': `${origin}${flowStep}?page=3`, // absolute
        '3': undefined, // omitted entirely on the last page
      };
      const body: Record<string, unknown> = { errors: [{ errorId: `e${page}`, code: '500' }] };
      if (next[page]) body.nextPageURL = next[page];
      sendJson(res, 200, body);
    });
    origin = server.origin;
    const pages = await collect(
      client(server.origin).paginateBody<{ errorId: string }>({ path: flowStep }, { items: 'errors', next: 'nextPageURL' }),
    );
    expect(pages.flat().map((e) => e.errorId)).toEqual(['e1', 'e2', 'e3']);
    expect(server.received.map((r) => r.url)).toEqual([flowStep, `${flowStep}?page=2`, `${flowStep}?page=3`]);
  });

  it('drops a leading /api from a relative nextPageURL, and ends on null', async () => {
    const server = await serve((req, res) => {
      if (req.url === flowStep) sendJson(res, 200, { errors: [1], nextPageURL: `/api${flowStep}?page=2` });
      else sendJson(res, 200, { errors: [2], nextPageURL: null });
    });
    const pages = await collect(client(server.origin).paginateBody<number>({ path: flowStep }, { items: 'errors', next: 'nextPageURL' }));
    expect(pages).toEqual([[1], [2]]);
    expect(server.received[1]!.url).toBe(`${flowStep}?page=2`);
  });

  it('refuses a nextPageURL on another origin', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { errors: [], nextPageURL: `http://169.254.169.254${flowStep}?page=2` }));
    const { error } = await collectUntilError(
      client(server.origin).paginateBody({ path: flowStep }, { items: 'errors', next: 'nextPageURL' }),
    );
    expect(error.kind).toBe('upstream');
    expect(error.message).toContain('another origin');
  });

  it('refuses a body without the items array', async () => {
    const server = await serve((_req, res) => sendJson(res, 200, { data: [] }));
    const { error } = await collectUntilError(
      client(server.origin).paginateBody({ path: flowStep }, { items: 'errors', next: 'nextPageURL' }),
    );
    expect(error.message).toContain('"errors"');
  });
});
