import { readFile } from 'node:fs/promises';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, expandConfigText } from '../../src/config/index.ts';
import { renderConfigJsonSchema, SCHEMA_FILE } from '../../src/config/write-schema.ts';
import { EXAMPLE_ENV } from './example-env.ts';

const EXAMPLE = 'config/syncwatch.example.yaml';
const POLICIES_EXAMPLE = 'config/retry-policies.example.yaml';

// Both packages are CommonJS with `exports.default`; under NodeNext the default import is the
// whole module object, whose `.default` is the class (at runtime too).
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

function compileSchema() {
  // Strict, except for `required` inside `not`/`oneOf` (naming properties declared a level up).
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false });
  addFormats(ajv);
  return ajv.compile(configJsonSchema());
}

async function expanded(file: string): Promise<Record<string, unknown>> {
  const { data, problems } = expandConfigText(await readFile(file, 'utf8'), file, EXAMPLE_ENV);
  expect(problems).toEqual([]);
  return data as Record<string, unknown>;
}

describe('config/syncwatch.schema.json', () => {
  it('is up to date with the zod schema', async () => {
    const committed = await readFile(SCHEMA_FILE, 'utf8');
    expect(committed, 'config/syncwatch.schema.json is stale: run `npx tsx src/config/write-schema.ts`').toBe(renderConfigJsonSchema());
  });

  it('describes the input: draft 2020-12, durations as strings with a pattern, strict objects', () => {
    const schema = configJsonSchema() as {
      $schema: string;
      additionalProperties: boolean;
      properties: {
        targets: { items: { oneOf: Array<{ properties: Record<string, { type: string; pattern?: string; default?: unknown }> }> } };
      };
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    const interval = schema.properties.targets.items.oneOf[0]?.properties.interval;
    expect(interval).toMatchObject({ type: 'string', default: '60s' });
    expect(new RegExp(interval?.pattern ?? '^$').test('1h30m')).toBe(true);
    expect(new RegExp(interval?.pattern ?? '^$').test('30')).toBe(false);
  });
});

describe('the examples against the JSON Schema (ajv)', () => {
  it('accepts config/syncwatch.example.yaml after ${ENV} expansion', async () => {
    const validate = compileSchema();
    const valid = validate(await expanded(EXAMPLE));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('accepts the example with its policies from config/retry-policies.example.yaml', async () => {
    const { retryPolicies: _inline, ...config } = await expanded(EXAMPLE);
    const policies = (await expanded(POLICIES_EXAMPLE)).retryPolicies;
    const validate = compileSchema();
    const valid = validate({ ...config, retryPolicies: policies });
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects what zod rejects structurally: an unknown key, a bare-number duration, both policy sources', async () => {
    const validate = compileSchema();
    const example = await expanded(EXAMPLE);
    const targets = example.targets as Array<Record<string, unknown>>;
    expect(validate({ ...example, targets: [{ ...targets[0], intervall: '30s' }] })).toBe(false);
    expect(validate({ ...example, targets: [{ ...targets[0], interval: 30 }] })).toBe(false);
    expect(validate({ ...example, targets: [{ ...targets[0], interval: '30' }] })).toBe(false);
    expect(validate({ ...example, retryPoliciesFile: 'p.yaml' })).toBe(false);
  });
});
