// There is no Docker engine on these machines: check docker-compose.yml and the Dockerfile against
// the repository instead — every mounted file exists, every command exists, the mounted config validates.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadConfig, formatProblem } from '../../src/config/index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<
    string,
    { build?: string; image?: string; command?: string[]; volumes?: string[]; environment?: Record<string, string>; env_file?: unknown }
  >;
};
const CLI_COMMANDS = ['run', 'validate', 'once', 'simulate', 'test-alert', 'silence'];

const mounts = Object.entries(compose.services).flatMap(([service, s]) =>
  (s.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [host = '', container = ''] = v.split(':');
      return { service, host, container };
    }),
);

describe('docker-compose.yml', () => {
  it('has the services of the one-command demo', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'prometheus', 'redis', 'simulator', 'syncwatch']);
  });

  it.each(mounts)('$service mounts $host, which exists', ({ host }) => {
    expect(existsSync(join(root, host))).toBe(true);
  });

  it.each(Object.entries(compose.services).filter(([, s]) => s.build))(
    '%s is built from this repository with a real command',
    (_name, s) => {
      expect(existsSync(join(root, s.build!, 'Dockerfile'))).toBe(true);
      expect(CLI_COMMANDS).toContain(s.command?.[0]);
    },
  );

  it('the config syncwatch runs validates, with the environment compose gives it', async () => {
    const s = compose.services.syncwatch!;
    const i = s.command!.indexOf('--config');
    const inContainer = s.command![i + 1]!;
    const mount = mounts.find((m) => m.service === 'syncwatch' && inContainer.startsWith(`${m.container}/`))!;
    const file = join(root, mount.host, inContainer.slice(mount.container.length + 1));
    const result = await loadConfig(file, { ...s.environment });
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([]);
  });

  it('Prometheus loads the rules it is given and scrapes the syncwatch service', () => {
    const prom = parse(readFileSync(join(root, 'config/prometheus/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    const promMounts = mounts.filter((m) => m.service === 'prometheus').map((m) => m.container);
    for (const rules of prom.rule_files) expect(promMounts).toContain(rules);
    expect(prom.scrape_configs.flatMap((c) => c.static_configs.flatMap((sc) => sc.targets))).toContain('syncwatch:9464');
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));

  it.each(copies)('copies %s, which exists', (path) => {
    expect(existsSync(join(root, path))).toBe(true);
  });

  it('runs as a non-root user, under an init, with a health check on /healthz, exposing 9464, production deps only', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/ENTRYPOINT \["\/usr\/bin\/tini", "--"/);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    expect(dockerfile).toMatch(/^EXPOSE 9464$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^FROM node:22/m);
  });

  it('compiles in a build stage; the runtime image runs dist/ without the TypeScript sources or tsx', () => {
    expect(dockerfile).toMatch(/^FROM \S+ AS build$/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(runtime).not.toMatch(/^COPY (src|workers)\b/m);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    const bin = readFileSync(join(root, 'bin/syncwatch.js'), 'utf8');
    expect(bin).toContain('../dist/src/cli.js');
    expect(bin).not.toMatch(/tsx|\.ts'/);
  });
});
