// Loading a config file: YAML (with positions) → ${ENV} expansion in place → zod validation, with
// every problem mapped back to FILE:LINE:COL. All problems are reported at once.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Scalar } from 'yaml';
import type { z } from 'zod';
import { configErrorMap, unknownKeyMessage } from './messages.ts';
import { configSchema, DOCUMENTED_ERROR_VALUES, isDocumentedValue, type Config, type ConfigSchema } from './schema.ts';
import { isRecord } from '../json.ts';

export interface ConfigProblem {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  /** `targets[0].interval`; `(yaml)` for syntax errors, `(file)` when the file cannot be read, `(root)` for the whole document. */
  path: string;
  message: string;
}

/** `warnings`: things that are allowed but probably wrong (a policy naming a classification no document lists). */
export type LoadResult = { ok: true; config: Config; warnings: ConfigProblem[] } | { ok: false; problems: ConfigProblem[] };

export type Env = Record<string, string | undefined>;

type Path = Array<string | number>;

export interface LoadOptions {
  /**
   * The schema to validate with; default `configSchema`. One built by `buildConfigSchema` from other
   * registries (a test's extra receiver kind) yields receivers beyond those `ReceiverConfig` names.
   */
  schema?: z.ZodType;
}

/** `FILE:LINE:COL path.to.field: problem` — the line `syncwatch validate` prints. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col} ${p.path}: ${p.message}`;
}

/** `FILE:LINE:COL path.to.field: warning: …` — a warning line (validate, run and once print them). */
export function formatWarning(p: ConfigProblem): string {
  return formatProblem({ ...p, message: `warning: ${p.message}` });
}

/** `['targets', 0, 'interval']` → `targets[0].interval`. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  if (segments.length === 0) return '(root)';
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

export async function loadConfig(file: string, env: Env = process.env, options: LoadOptions = {}): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    return { ok: false, problems: [{ file, line: 1, col: 1, path: '(file)', message: `cannot read the config file: ${fsReason(e)}` }] };
  }
  return loadConfigFromString(text, file, env, options);
}

/** `file` names the text in problems and anchors a relative `retryPoliciesFile`. */
export async function loadConfigFromString(
  text: string,
  file: string,
  env: Env = process.env,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const loader = new Loader(env, options.schema as ConfigSchema | undefined);
  const config = await loader.load(text, file);
  const problems = loader.finishedProblems();
  return problems.length === 0 && config !== undefined
    ? { ok: true, config, warnings: loader.warningsOf(config) }
    : { ok: false, problems };
}

/**
 * The config as plain data after YAML parsing and ${ENV} expansion (expanded values turned into
 * numbers or booleans where the schema wants them), before defaults and transforms: what the JSON
 * Schema describes. `retryPoliciesFile` is not followed; only YAML and ${ENV} problems are returned.
 */
export function expandConfigText(text: string, file: string, env: Env = process.env): { data: unknown; problems: ConfigProblem[] } {
  const loader = new Loader(env);
  const source = loader.parseSource(text, file, [], []);
  if (source) loader.validate(source.data);
  return { data: source?.data, problems: loader.finishedProblems() };
}

// ---------------------------------------------------------------------------------------------

/** One parsed YAML file and where its content sits in the merged config. */
interface Source {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** Path in the merged config where this file's content is mounted (`[]` for the main file). */
  mountAt: Path;
  /** Path inside this file of the content mounted there. */
  docRoot: Path;
  data: unknown;
}

const REDACTED = '(value from the environment)';

/** `{ port: ${PORT} }`: YAML reads the braces of an unquoted reference as flow-map syntax. */
const UNQUOTED_REFERENCE_IN_FLOW = /[[{][^"']*(?<!\$)\$\{/;

class Loader {
  private readonly problems: Array<ConfigProblem & { order: number }> = [];
  private readonly sources: Source[] = [];
  /** Values substituted from the environment: never allowed into a message. */
  private readonly secrets = new Set<string>();
  /** Merged paths already reported during expansion; zod's follow-up complaints there are noise. */
  private readonly reportedPaths = new Set<string>();
  /** Merged paths of scalars that had `${…}` expanded: their text may become a number or boolean. */
  private readonly expandedPaths = new Set<string>();
  /** Merged paths filled from an environment variable rather than the file. */
  private readonly injectedFromEnv = new Map<string, string>();

  constructor(
    private readonly env: Env,
    private readonly schema: ConfigSchema = configSchema,
  ) {}

  async load(text: string, file: string): Promise<Config | undefined> {
    const main = this.parseSource(text, file, [], []);
    if (!main) return undefined;
    const data = main.data;
    let policiesFile: string | undefined;
    if (isRecord(data)) {
      if (typeof data.retryPoliciesFile === 'string' && data.retryPolicies === undefined) {
        policiesFile = path.resolve(path.dirname(file), data.retryPoliciesFile);
        const policies = await this.loadPoliciesFile(main, data.retryPoliciesFile);
        delete data.retryPoliciesFile;
        if (policies !== undefined) data.retryPolicies = policies;
      }
      this.injectRedisUrl(data);
    }

    const result = this.validate(data);
    if (!result.success) {
      for (const issue of result.error.issues) this.addIssue(issue);
      return undefined;
    }
    const config = result.data;
    if (policiesFile !== undefined) config.retryPoliciesFile = policiesFile;
    return config;
  }

  /**
   * An environment variable's value is text. Where the schema wants a number or a boolean and an
   * expanded value reads as one (`port: "${SMTP_PORT}"`), it becomes one, and validation runs again.
   * Anywhere else it stays text, so a numeric-looking token is still a string.
   */
  validate(data: unknown): ReturnType<ConfigSchema['safeParse']> {
    const result = this.schema.safeParse(data, { error: configErrorMap });
    if (result.success) return result;
    let coerced = false;
    for (const issue of result.error.issues) {
      if (issue.code !== 'invalid_type' || !this.expandedPaths.has(formatPath(issue.path))) continue;
      const key = issue.path.at(-1);
      const parent = getPath(data, issue.path.slice(0, -1));
      if (key === undefined || typeof key === 'symbol' || parent === null || typeof parent !== 'object') continue;
      const text = (parent as Record<string | number, unknown>)[key];
      const value = typeof text === 'string' ? textAs(issue.expected, text) : undefined;
      if (value === undefined) continue;
      (parent as Record<string | number, unknown>)[key] = value;
      coerced = true;
    }
    return coerced ? this.schema.safeParse(data, { error: configErrorMap }) : result;
  }

  /** Retry policies that name a classification or source the documents never show: allowed, but likely a typo. */
  warningsOf(config: Config): ConfigProblem[] {
    const warnings: ConfigProblem[] = [];
    const check = (i: number, key: 'classification' | 'source', documented: readonly string[]) => {
      config.retryPolicies[i]?.match[key]?.forEach((value, j) => {
        if (isDocumentedValue(documented, value)) return;
        const path = ['retryPolicies', i, 'match', key, j];
        const owner = this.sourceOf(path);
        if (!owner) return;
        const { line, col } = locate(owner, [...owner.docRoot, ...path.slice(owner.mountAt.length)], false);
        const message =
          `"${value}" is not a ${key} the ${DOCUMENTED_ERROR_VALUES.documents} documents list ` +
          `(${documented.join(', ')}); it only matches errors that carry it`;
        warnings.push({ file: owner.file, line, col, path: formatPath(path), message: this.redact(message) });
      });
    };
    config.retryPolicies.forEach((_p, i) => {
      check(i, 'classification', DOCUMENTED_ERROR_VALUES.classification);
      check(i, 'source', DOCUMENTED_ERROR_VALUES.source);
    });
    return warnings;
  }

  finishedProblems(): ConfigProblem[] {
    return this.problems
      .sort((a, b) => a.order - b.order || a.line - b.line || a.col - b.col || a.path.localeCompare(b.path))
      .map(({ order: _order, ...problem }) => ({ ...problem, message: this.redact(problem.message) }));
  }

  /** Parses and expands one file; undefined when its YAML is broken (already reported). */
  parseSource(text: string, file: string, mountAt: Path, docRoot: Path | ((source: Source) => Path | undefined)): Source | undefined {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    const order = this.sources.length;
    if (doc.errors.length > 0) {
      // One error per line: after the first, the parser's complaints on a line are mostly echoes.
      const seenLines = new Set<number>();
      for (const error of doc.errors) {
        const { line, col } = lines.linePos(error.pos[0]);
        if (seenLines.has(line)) continue;
        seenLines.add(line);
        const hint = UNQUOTED_REFERENCE_IN_FLOW.test(text.split('\n')[line - 1] ?? '')
          ? ' (inside { } or [ ], quote ${…} references: "${VAR}")'
          : '';
        this.problems.push({ file, line, col, path: '(yaml)', message: yamlErrorMessage(error.message) + hint, order });
      }
      return undefined;
    }
    const source: Source = { file, doc, lines, mountAt, docRoot: [], data: undefined };
    this.sources.push(source);
    const root = typeof docRoot === 'function' ? docRoot(source) : docRoot;
    if (root === undefined) return undefined;
    source.docRoot = root;
    this.expandEnv(source, doc.contents, []);
    let js: unknown;
    try {
      js = doc.toJS();
    } catch (e) {
      // toJS refuses alias bombs (too many alias expansions); report and give up on this file.
      const message = e instanceof Error ? firstLine(e.message) : 'cannot read the YAML';
      this.problems.push({ file, line: 1, col: 1, path: '(yaml)', message, order });
      return undefined;
    }
    source.data = root.reduce<unknown>(
      (value, key) => (isRecord(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[key] : undefined),
      js,
    );
    return source;
  }

  /** Reads `retryPoliciesFile`: a list of policies, or a map holding `retryPolicies`. */
  private async loadPoliciesFile(main: Source, relative: string): Promise<unknown> {
    const file = path.isAbsolute(relative) ? relative : path.join(path.dirname(main.file), relative);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      this.problemAt(main, ['retryPoliciesFile'], `cannot read the retry policies file ${file}: ${fsReason(e)}`);
      return undefined;
    }
    const source = this.parseSource(text, file, ['retryPolicies'], (policies) => {
      const root = policies.doc.contents;
      if (isSeq(root)) return [];
      if (isMap(root) && root.has('retryPolicies')) {
        for (const pair of root.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : '?';
          if (key !== 'retryPolicies') this.pushProblem(policies, [key], key, unknownKeyMessage(key, ['retryPolicies']), true);
        }
        return ['retryPolicies'];
      }
      this.pushProblem(policies, [], '(root)', 'expected a list of retry policies, or a map with retryPolicies');
      return undefined;
    });
    return source?.data;
  }

  /** DESIGN: REDIS_URL is the default when the file names no redis.url (nor a redis.cluster). */
  private injectRedisUrl(data: Record<string, unknown>): void {
    const url = this.env.REDIS_URL;
    if (url === undefined || url === '') return;
    if (data.redis === undefined) data.redis = {};
    if (isRecord(data.redis) && data.redis.url === undefined && data.redis.cluster === undefined) {
      data.redis.url = url;
      this.secrets.add(url); // a Redis URL may carry a password
      this.injectedFromEnv.set('redis.url', 'REDIS_URL');
    }
  }

  // -------------------------------------------------------------------------------------------
  // ${ENV} expansion

  private expandEnv(source: Source, node: unknown, docPath: Path): void {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        this.expandEnv(source, pair.value, [...docPath, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => this.expandEnv(source, item, [...docPath, i]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('$')) {
      this.expandScalar(source, node as Scalar<string>, docPath);
    }
  }

  private expandScalar(source: Source, node: Scalar<string>, docPath: Path): void {
    const mergedPath = toMergedPath(source, docPath);
    const raw = node.value;
    let out = '';
    let i = 0;
    while (i < raw.length) {
      if (raw.startsWith('$${', i)) {
        out += '${';
        i += 3;
        continue;
      }
      if (!raw.startsWith('${', i)) {
        out += raw[i];
        i++;
        continue;
      }
      const end = raw.indexOf('}', i + 2);
      const reference = end < 0 ? undefined : /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(raw.slice(i + 2, end));
      if (!reference) {
        this.envProblem(source, docPath, mergedPath, 'expected ${NAME} or ${NAME:-default} (write $${ for a literal ${)');
        node.value = '';
        return;
      }
      const [, name, fallback] = reference as unknown as [string, string, string | undefined];
      const value = this.env[name];
      if (value !== undefined && !(fallback !== undefined && value === '')) {
        out += value;
        if (value !== '') this.secrets.add(value);
      } else if (fallback !== undefined) {
        out += fallback;
      } else {
        this.envProblem(source, docPath, mergedPath, `environment variable ${name} is not set`);
        node.value = '';
        return;
      }
      i = end + 1;
    }
    node.value = out;
    this.expandedPaths.add(formatPath(mergedPath));
  }

  private envProblem(source: Source, docPath: Path, mergedPath: Path, message: string): void {
    this.reportedPaths.add(formatPath(mergedPath));
    this.pushProblem(source, docPath, formatPath(mergedPath), message);
  }

  private pushProblem(source: Source, docPath: Path, displayPath: string, message: string, atKey = false): void {
    const { line, col } = locate(source, docPath, atKey);
    this.problems.push({ file: source.file, line, col, path: displayPath, message, order: this.sources.indexOf(source) });
  }

  // -------------------------------------------------------------------------------------------
  // zod issues → problems

  private addIssue(issue: z.core.$ZodIssue): void {
    const issuePath = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    if (this.isAlreadyReported(issuePath)) return;
    if (issue.code === 'unrecognized_keys') {
      const messages = issue.message.split('\n');
      issue.keys.forEach((key, i) => {
        this.problemAt(undefined, [...issuePath, key], messages[i] ?? unknownKeyMessage(key, []), true);
      });
      return;
    }
    let message = issue.message;
    const pathText = formatPath(issuePath);
    const variable = this.injectedFromEnv.get(pathText);
    if (variable !== undefined) message += ` (from the ${variable} environment variable)`;
    this.problemAt(undefined, issuePath, message, issue.code === 'invalid_key');
  }

  private isAlreadyReported(issuePath: Path): boolean {
    for (let n = issuePath.length; n >= 0; n--) {
      if (this.reportedPaths.has(formatPath(issuePath.slice(0, n)))) return true;
    }
    return false;
  }

  /** A problem at a merged-config path, in whichever file that path comes from. */
  private problemAt(source: Source | undefined, mergedPath: Path, message: string, atKey = false): void {
    const owner = source ?? this.sourceOf(mergedPath);
    if (!owner) return;
    const docPath = [...owner.docRoot, ...mergedPath.slice(owner.mountAt.length)];
    this.pushProblem(owner, docPath, formatPath(mergedPath), message, atKey);
  }

  /** The source with the longest mount point that is a prefix of `mergedPath`. */
  private sourceOf(mergedPath: Path): Source | undefined {
    let best: Source | undefined;
    for (const source of this.sources) {
      const mounted = source.mountAt.every((key, i) => mergedPath[i] === key);
      if (mounted && (!best || source.mountAt.length > best.mountAt.length)) best = source;
    }
    return best;
  }

  private redact(message: string): string {
    let out = message;
    for (const secret of this.secrets) out = out.split(`"${secret}"`).join(`"${REDACTED}"`);
    return out;
  }
}

function toMergedPath(source: Source, docPath: Path): Path {
  const inRoot = source.docRoot.every((key, i) => docPath[i] === key);
  return inRoot ? [...source.mountAt, ...docPath.slice(source.docRoot.length)] : docPath;
}

/**
 * The position for a path: the value's node; for an unknown key, the key itself; for a path that
 * does not exist (a missing required key), the deepest map or list that does.
 */
function locate(source: Source, docPath: Path, atKey: boolean): { line: number; col: number } {
  const { doc, lines } = source;
  let node: unknown = doc.contents;
  let target: unknown = node;
  for (const [i, segment] of docPath.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    let keyNode: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
    } else {
      break;
    }
    const last = i === docPath.length - 1;
    // An empty value (`key:`) has no useful position of its own: point at its key.
    const emptyValue = node === null || (isScalar(node) && node.value === null && node.source === '');
    target = (last && atKey) || emptyValue ? (keyNode ?? node) : node;
  }
  const offset = (target as YamlNode | null | undefined)?.range?.[0];
  return offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
}

function getPath(data: unknown, keys: ReadonlyArray<PropertyKey>): unknown {
  let value = data;
  for (const key of keys) {
    if (value === null || typeof value !== 'object' || typeof key === 'symbol') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** `text` as the type zod expected, when it reads as one. */
function textAs(expected: string, text: string): number | boolean | undefined {
  if (expected === 'boolean') return /^true$/i.test(text) ? true : /^false$/i.test(text) ? false : undefined;
  if (expected !== 'number' && expected !== 'int') return undefined;
  const n = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(n) || (expected === 'int' && !Number.isInteger(n))) return undefined;
  return n;
}

/**
 * yaml's messages may end with the position (we give our own), quote the offending source text
 * (`…: "token"`, `…extra characters: text`) or the source line. Drop all of those: the text could
 * be a secret.
 */
function yamlErrorMessage(message: string): string {
  return firstLine(message)
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/: ".*"$/, '')
    .replace(/^(Block scalar header includes extra characters):.*$/, '$1')
    .replace(/:$/, '');
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}

function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return code ?? 'unreadable';
  }
}
