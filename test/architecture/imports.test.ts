// The arrows of ARCHITECTURE.md, checked: every import (static, `import type`, or dynamic
// `import('…')`) of src/ and workers/ is read, mapped to the layer of both ends, and compared with
// the allowed arrows below. A new import that runs against them, or a loop between layers, fails
// here with the file and the line, so the shape of the code stays what the document says.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));

/**
 * Layer → the layers it may import (besides itself). Keep in step with ARCHITECTURE.md's table.
 * Floor 0 imports nothing of ours; each floor only what is listed, never a floor above.
 */
/** Floor-0 tools every layer may use: errors as values, JSON helpers, the glob matcher, mapConcurrent. */
const TOOLS = ['errors', 'json', 'glob', 'concurrency'] as const;

export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  // floor 0: vocabulary and tools that know nothing else
  errors: [],
  json: [],
  glob: [],
  model: ['errors'],
  concurrency: [],
  log: [...TOOLS],
  // floor 1: the alert model, the zod building blocks of every config schema, the HTTP client
  alert: [...TOOLS, 'model'],
  fields: [...TOOLS, 'alert', 'model'],
  http: [...TOOLS],
  // floor 2: what talks to the outside world, each knowing nothing of the others; each folder
  // owns its part of the config (a zod-only config.ts built from fields)
  providers: [...TOOLS, 'model', 'http', 'fields'],
  notifiers: [...TOOLS, 'alert', 'fields', 'http', 'model'],
  // floor 3: the configuration, composed from the providers' and notifiers' config registries
  config: [...TOOLS, 'model', 'alert', 'fields', 'providers', 'notifiers'],
  simulator: [...TOOLS, 'model', 'log', 'config'],
  state: [...TOOLS, 'model', 'alert', 'config', 'http'],
  // floor 4: the pipelines built on them
  alerting: [...TOOLS, 'alert', 'notifiers', 'state', 'config', 'model', 'fields'],
  retry: [...TOOLS, 'alert', 'model', 'providers', 'state', 'config', 'http'],
  watch: [...TOOLS, 'alert', 'model', 'providers', 'state', 'config', 'http', 'alerting'],
  metrics: [...TOOLS, 'model', 'alert', 'state', 'config'],
  // floor 5: what people use: the Alertmanager API v2 and the web console
  api: [...TOOLS, 'alert', 'alerting', 'config', 'state'],
  console: [...TOOLS, 'alert', 'alerting', 'api', 'config', 'fields', 'notifiers', 'retry', 'state'],
  interact: [...TOOLS, 'alert', 'alerting', 'api', 'config', 'notifiers', 'retry', 'state'],
  // floor 6: the process
  queues: [...TOOLS, 'state', 'watch', 'retry', 'alert'],
  server: [...TOOLS, 'log', 'api', 'console'],
  daemon: ['*'],
  cli: ['*'],
  // workers: BullMQ processors, above everything in src/ (nothing in src/ imports them)
  workers: ['*'],
};

/** `src/alerting/route.ts` → `alerting`; `src/model.ts` → `model`; `workers/poll.ts` → `workers`. */
export function layerOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'workers') return 'workers';
  if (parts[0] !== 'src') return parts[0] ?? file;
  return parts.length > 2 ? (parts[1] ?? file) : (parts[1] ?? file).replace(/\.ts$/, '');
}

export interface ImportEdge {
  from: string;
  to: string;
  line: number;
}

/** Relative imports of one file, resolved to repository paths (`.js` spelled as the `.ts` it is). */
export function importsOf(file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const lines = text.split('\n');
  const pattern = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  lines.forEach((line, i) => {
    for (const m of line.matchAll(pattern)) {
      const target = normalize(join(dirname(file), m[1] ?? '')).replace(/\.js$/, '.ts');
      edges.push({ from: file, to: target, line: i + 1 });
    }
  });
  return edges;
}

export interface Violation {
  edge: ImportEdge;
  reason: string;
}

/** Arrows against the table, and layers that reach each other both ways. Pure: files in, problems out. */
export function checkArrows(edges: readonly ImportEdge[], allowed = ALLOWED): Violation[] {
  const violations: Violation[] = [];
  const between = new Map<string, ImportEdge>();
  for (const edge of edges) {
    const a = layerOf(edge.from);
    const b = layerOf(edge.to);
    if (a === b) continue;
    between.set(`${a}>${b}`, between.get(`${a}>${b}`) ?? edge);
    const may = allowed[a];
    if (!may) violations.push({ edge, reason: `layer "${a}" is not in ARCHITECTURE.md's table` });
    else if (!may.includes('*') && !may.includes(b)) violations.push({ edge, reason: `${a} → ${b} is not an allowed arrow` });
    if (b === 'workers' && a !== 'workers') violations.push({ edge, reason: 'nothing in src/ imports workers/' });
  }
  for (const [key, edge] of between) {
    const [a, b] = key.split('>') as [string, string];
    if (a < b && between.has(`${b}>${a}`)) violations.push({ edge, reason: `loop: ${a} ↔ ${b}` });
  }
  return violations;
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) out.push(path);
    }
  };
  walk('src');
  walk('workers');
  return out;
}

describe('the import arrows of ARCHITECTURE.md', () => {
  it.each([
    // file                              layer
    ['src/model.ts', 'model'],
    ['src/alert/model.ts', 'alert'],
    ['src/alerting/route.ts', 'alerting'],
    ['src/providers/celigo/client.ts', 'providers'],
    ['workers/poll.ts', 'workers'],
  ])('%s is in layer %s', (file, layer) => {
    expect(layerOf(file)).toBe(layer);
  });

  it('reads static, type-only and dynamic imports', () => {
    const text = [
      "import { a } from '../model.ts';",
      "import type { B } from './b.ts';",
      "  const { c } = await import('../state/keys.ts');",
      "import '../log.ts';",
      "import { d } from 'node:fs';",
    ].join('\n');
    expect(importsOf('src/alerting/x.ts', text).map((e) => [e.to, e.line])).toEqual([
      ['src/model.ts', 1],
      ['src/alerting/b.ts', 2],
      ['src/state/keys.ts', 3],
      ['src/log.ts', 4],
    ]);
  });

  it.each([
    // from                         to                          problem
    ['src/state/diff.ts', 'src/alerting/types.ts', 'state → alerting is not an allowed arrow'],
    ['src/notifiers/slack/x.ts', 'src/providers/celigo/y.ts', 'notifiers → providers is not an allowed arrow'],
    ['src/cli.ts', 'workers/daemon.ts', 'nothing in src/ imports workers/'],
    ['src/providers/neo/x.ts', 'src/alert/model.ts', 'providers → alert is not an allowed arrow'],
  ])('refuses %s → %s', (from, to, reason) => {
    expect(checkArrows([{ from, to, line: 1 }]).map((v) => v.reason)).toContain(reason);
  });

  it('finds a loop between two layers even where the table allows both arrows', () => {
    const edges = [
      { from: 'src/a/x.ts', to: 'src/b/y.ts', line: 1 },
      { from: 'src/b/y.ts', to: 'src/a/x.ts', line: 2 },
    ];
    expect(checkArrows(edges, { a: ['b'], b: ['a'] }).map((v) => v.reason)).toEqual(['loop: a ↔ b']);
  });

  it('holds for every file in src/ and workers/', () => {
    const edges = sourceFiles().flatMap((file) => importsOf(file, readFileSync(join(root, file), 'utf8')));
    expect(edges.length).toBeGreaterThan(100);
    const problems = checkArrows(edges).map(
      (v) => `${relative(root, join(root, v.edge.from))}:${v.edge.line} imports ${v.edge.to}: ${v.reason}`,
    );
    expect(problems).toEqual([]);
  });
});
