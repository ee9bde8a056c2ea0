// A throwaway three-master Redis Cluster from `redis-server` on free loopback ports, for tests:
// nodes keep nothing on disk; `stop()` kills them and removes their temp dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from '../harness/daemon.ts';
import { freePort } from '../harness/redis.ts';

export interface TestCluster {
  ports: number[];
  /** `redis://127.0.0.1:P` of every master. */
  nodes: string[];
  /** Every key on every node matching `pattern` (SCAN does not cross nodes: one scan per node). */
  keysByNode(pattern: string): Promise<Map<string, string[]>>;
  /** Deletes the matching keys node by node. */
  deleteKeys(pattern: string): Promise<void>;
  stop(): Promise<void>;
}

/** Client per node, no cluster redirection: for CLUSTER INFO, SCAN and DEL on that node. */
function nodeClient(port: number): Redis {
  const r = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  r.on('error', () => {});
  return r;
}

async function withNode<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = nodeClient(port);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

export async function startCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'syncwatch-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  // Cluster bus ports are port + 10000: pick ports whose bus port is free too.
  while (ports.length < 3) {
    const p = await freePort();
    if (p + 10000 < 65536 && !ports.includes(p)) ports.push(p);
  }
  const stderr: string[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
      children.push(child);
    }
    for (const port of ports) {
      await eventually(`redis-server on port ${port} to answer PING`, () => withNode(port, async (r) => (await r.ping()) === 'PONG'), {
        timeoutMs: 15_000,
        context: () => stderr.join(''),
      });
    }
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed (${create.status}):\n${create.stdout}\n${create.stderr}`);
    for (const port of ports) {
      await eventually(
        `cluster_state:ok on node ${port}`,
        () => withNode(port, async (r) => /cluster_state:ok/.test(await r.cluster('INFO'))),
        { timeoutMs: 30_000 },
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }

  const keysByNode = async (pattern: string) => {
    const out = new Map<string, string[]>();
    for (const port of ports) {
      const keys = await withNode(port, async (r) => {
        const found: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          found.push(...batch);
        } while (cursor !== '0');
        return found;
      });
      out.set(`127.0.0.1:${port}`, keys);
    }
    return out;
  };

  return {
    ports,
    nodes: ports.map((p) => `redis://127.0.0.1:${p}`),
    keysByNode,
    async deleteKeys(pattern) {
      for (const [node, keys] of await keysByNode(pattern)) {
        const port = Number(node.split(':')[1]);
        // Keys of one node may still span slots; delete one by one (DEL of several keys must be one slot).
        if (keys.length > 0) await withNode(port, async (r) => Promise.all(keys.map((k) => r.del(k))));
      }
    },
    stop,
  };
}
