// Our contract (celigo.ts, airweave.ts, neo.ts) still agrees with the upstream API documents it was
// distilled from — when they are at hand: in SYNCWATCH_SEEDS, or in ../shared/seeds beside the
// repository (CI has them there). Without them every test here is reported as skipped, with the
// reason, and the rest of the suite runs on the contract alone. This is the only test that reads
// outside the repository.
//
// For each operation: the document has it (method, path, section), with the same auth, query
// parameters and limits, statuses (a response the document lacks must say where it comes from:
// `inferred`), and for each body every field we list exists there with the same types, format,
// enum, limits and required-ness, and every field the document requires is listed. An enum the
// document gives only in prose must have each value named in the document.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { airweave, sourceConnectionJob, syncJob, SOURCE_CONNECTION_JOB_STATUSES, SYNC_JOB_STATUSES } from './airweave.ts';
import { celigo, ERROR_FILTER_CLASSIFICATIONS, ERROR_FILTER_SOURCES } from './celigo.ts';
import {
  documentText,
  fieldDigest,
  findOperation,
  openApiDocuments,
  sourceConnectionJobPage,
  syncJobsPage,
  type DocumentedOperation,
  type OpenApiDocument,
} from './documents.ts';
import { neo } from './neo.ts';
import type { Operation, Schema } from './schema.ts';

const REPOSITORY = fileURLToPath(new URL('../../', import.meta.url));
const DOCUMENTS = resolve(process.env.SYNCWATCH_SEEDS ?? join(REPOSITORY, '../shared/seeds'));
// An explicit SYNCWATCH_SEEDS that does not exist fails below rather than skipping quietly.
const PRESENT = existsSync(DOCUMENTS) || process.env.SYNCWATCH_SEEDS !== undefined;
const TITLE = PRESENT
  ? `the contract agrees with the API documents at ${DOCUMENTS}`
  : `seed documents not found at ${DOCUMENTS}: contract-vs-documents check skipped (set SYNCWATCH_SEEDS to run it)`;

// Say why in the run's output too: the default reporter lists a skipped file without its tests' names.
if (!PRESENT) console.info(TITLE);

type Json = Parameters<typeof fieldDigest>[0];

/** `value` appears in `text` as a word of its own (the empty string: the text says when a value is empty). */
function mentioned(text: string, value: string): boolean {
  if (value === '') return /\bempty when\b/i.test(text);
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_])${escaped}([^A-Za-z0-9_]|$)`).test(text);
}

function parentPath(path: string): string {
  return path.replace(/(\.[^.[{]+|\[\]|\{\*\})$/, '');
}

/** How the fields of our `schema` differ from the document's `theirs`. */
function fieldDisagreements(where: string, ours: Schema, theirs: Json, corpus: string, inferred: boolean): string[] {
  const o = fieldDigest(ours as Json);
  const t = fieldDigest(theirs);
  const problems: string[] = [];
  for (const [path, of] of o) {
    const tf = t.get(path);
    if (tf === undefined) {
      const name = /\.([^.[{]+)$/.exec(path)?.[1] ?? path;
      // A free-form object in the document: a field we list must at least be named there.
      if (t.get(parentPath(path))?.open === true && mentioned(corpus, name)) continue;
      problems.push(`${where}: ${path}: not in the document`);
      continue;
    }
    if (of.types.join() !== tf.types.join())
      problems.push(`${where}: ${path}: type ${of.types.join('|')}, the document ${tf.types.join('|')}`);
    if (of.format !== tf.format) problems.push(`${where}: ${path}: format ${of.format}, the document ${tf.format}`);
    if (tf.enum !== undefined) {
      if (of.enum?.join() !== tf.enum.join())
        problems.push(`${where}: ${path}: enum ${of.enum?.join(', ')}, the document ${tf.enum.join(', ')}`);
    } else if (of.enum !== undefined && !inferred) {
      const unnamed = of.enum.filter((v) => !mentioned(corpus, v));
      if (unnamed.length > 0) problems.push(`${where}: ${path}: the document names no ${unnamed.join(', ')}`);
    }
    if (of.required !== tf.required)
      problems.push(
        `${where}: ${path}: ${of.required ? 'required' : 'optional'}, the document says ${tf.required ? 'required' : 'optional'}`,
      );
    if (of.limits.join() !== tf.limits.join())
      problems.push(`${where}: ${path}: limits ${of.limits.join(', ')}, the document ${tf.limits.join(', ')}`);
  }
  for (const [path, tf] of t) {
    if (tf.required && !o.has(path) && o.has(parentPath(path)) && o.get(parentPath(path))?.open !== true)
      problems.push(`${where}: ${path}: required by the document, not in the contract`);
  }
  return problems;
}

/** How an operation of our contract differs from the document's. */
function operationDisagreements(ours: Operation, theirs: DocumentedOperation, corpus: string): string[] {
  const problems: string[] = [];
  const at = `${ours.method} ${ours.path}`;
  if (ours.section !== theirs.summary) problems.push(`${at}: section "${ours.section}", the document "${theirs.summary}"`);
  const bearer = ours.auth.header === 'Authorization' && ours.auth.scheme === 'Bearer';
  if (bearer !== theirs.bearer)
    problems.push(`${at}: auth ${ours.auth.header}, the document ${theirs.bearer ? 'a bearer token' : 'something else'}`);

  // Query parameters: the same names; the ones the document calls ignored are named in its text.
  const query = Object.entries(ours.query ?? {});
  const listed = query
    .filter(([, p]) => p.ignored !== true)
    .map(([name]) => name)
    .sort();
  if (listed.join() !== [...theirs.queryParameters.keys()].sort().join())
    problems.push(
      `${at}: query ${listed.join(', ') || '(none)'}, the document ${[...theirs.queryParameters.keys()].join(', ') || '(none)'}`,
    );
  for (const [name, parameter] of query) {
    if (parameter.ignored === true && !mentioned(theirs.text, name))
      problems.push(`${at}: ignored parameter ${name} is not named by the document`);
    const text = JSON.stringify(theirs.queryParameters.get(name) ?? '');
    for (const limit of [parameter.minimum, parameter.maximum, parameter.default]) {
      if (limit !== undefined && !mentioned(text, String(limit)))
        problems.push(`${at}: ${name}'s ${limit} is not in the document's parameter`);
    }
  }

  // Statuses: every documented one; ours beyond them say where they come from.
  for (const status of theirs.responses.keys())
    if (ours.responses[status] === undefined) problems.push(`${at}: the document gives ${status}, the contract lacks it`);
  for (const [key, response] of Object.entries(ours.responses)) {
    const status = Number(key);
    const where = `${at} ${status}`;
    if (!theirs.responses.has(status)) {
      if (response.inferred === undefined) problems.push(`${where}: not in the document, and not marked inferred`);
      continue;
    }
    const body = theirs.responses.get(status) ?? null;
    if ((response.body === undefined) !== (body === null))
      problems.push(`${where}: ${response.body === undefined ? 'no body' : 'a body'}, the document ${body === null ? 'none' : 'one'}`);
    else if (response.body !== undefined && body !== null)
      problems.push(...fieldDisagreements(where, response.body, body, corpus, response.inferred !== undefined));
    if (response.mayBeEmpty === true && !/no body/i.test(theirs.text))
      problems.push(`${where}: may be empty, the document does not say so`);
    for (const header of Object.keys(response.headers ?? {})) {
      if (!(theirs.headers.get(status) ?? []).includes(header.toLowerCase()) && !mentioned(theirs.text, header))
        problems.push(`${where}: header ${header} is not in the document`);
    }
  }
  if (ours.requestBody !== undefined) {
    const content = (theirs.operation.requestBody as { content?: Record<string, { schema?: Json }> } | undefined)?.content?.[
      'application/json'
    ]?.schema;
    if (content === undefined) problems.push(`${at}: a request body, the document has none`);
    else problems.push(...fieldDisagreements(`${at} request`, ours.requestBody, content, corpus, false));
  }

  // Pagination: what it follows is in the document.
  const p = ours.pagination;
  if (p.style === 'link-header' && !(theirs.headers.get(200) ?? []).includes('link'))
    problems.push(`${at}: Link pagination, the document has no Link header`);
  if (p.style === 'body-url' && !fieldDigest(theirs.responses.get(200) ?? null).has(`$.${p.field}`))
    problems.push(`${at}: ${p.field} is not in the document's body`);
  if (p.style === 'cursor' && (!theirs.queryParameters.has(p.parameter) || !mentioned(theirs.text, p.field.split('.').pop() ?? '')))
    problems.push(`${at}: cursor ${p.parameter}/${p.field} not in the document`);
  return problems;
}

describe.skipIf(!PRESENT)(TITLE, () => {
  const read = (number: string) => documentText(DOCUMENTS, number);
  /** Every OpenAPI block of a document, and all its text (raw and parsed), for "does it name X". */
  const load = (number: string): { documents: OpenApiDocument[]; corpus: string } => {
    const documents = openApiDocuments(DOCUMENTS, number);
    return { documents, corpus: `${read(number)}\n${JSON.stringify(documents).replace(/\\"/g, '"').replace(/\\n/g, '\n')}` };
  };

  it('the documents are there', () => {
    expect(existsSync(DOCUMENTS), `${DOCUMENTS} (SYNCWATCH_SEEDS)`).toBe(true);
  });

  describe.each([
    ['Celigo', celigo.operations],
    ['Neo', neo.operations],
  ] as const)('%s', (_name, operations) => {
    it.each(operations.map((o) => [`${o.method} ${o.path} (${o.document})`, o] as const))('%s agrees', (_title, operation) => {
      const { documents, corpus } = load(operation.document);
      const theirs = findOperation(documents, operation.method, operation.path);
      expect(theirs, `document ${operation.document} has ${operation.method} ${operation.path}`).toBeDefined();
      if (theirs !== undefined) expect(operationDisagreements(operation, theirs, corpus)).toEqual([]);
    });
  });

  it('the comparison catches drift: auth, statuses, fields, types, enums, required fields', () => {
    const { documents, corpus } = load('000');
    const original = celigo.operations.find((o) => o.path === '/v1/syncs/{_syncId}/run');
    const theirs = findOperation(documents, 'POST', '/v1/syncs/{_syncId}/run');
    if (original === undefined || theirs === undefined) throw new Error('POST /v1/syncs/{_syncId}/run is missing');
    const { 409: _dropped, ...responses } = original.responses;
    const drifted: Operation = {
      ...original,
      auth: { header: 'x-api-key', credential: 'k' },
      query: { limit: { type: 'integer', description: 'x' } },
      responses: {
        ...responses,
        418: { description: 'teapot' },
        200: {
          description: 'queued',
          body: {
            type: 'object',
            properties: { flowExecutionGroupId: { type: 'integer' }, bogus: { type: 'string' } },
            required: ['flowExecutionGroupId'],
          },
        },
        422: {
          description: 'disabled',
          body: {
            type: 'object',
            properties: {
              errors: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { code: { type: ['string', 'integer'], enum: ['no_such_code'] }, message: { type: 'string' } },
                  required: ['message'],
                },
              },
            },
            required: ['errors'],
          },
        },
      },
    };
    expect(operationDisagreements(drifted, theirs, corpus)).toEqual([
      'POST /v1/syncs/{_syncId}/run: auth x-api-key, the document a bearer token',
      'POST /v1/syncs/{_syncId}/run: query limit, the document (none)',
      'POST /v1/syncs/{_syncId}/run: the document gives 409, the contract lacks it',
      'POST /v1/syncs/{_syncId}/run 200: $.flowExecutionGroupId: type integer, the document string',
      'POST /v1/syncs/{_syncId}/run 200: $.bogus: not in the document',
      'POST /v1/syncs/{_syncId}/run 200: $.syncId: required by the document, not in the contract',
      'POST /v1/syncs/{_syncId}/run 418: not in the document, and not marked inferred',
      'POST /v1/syncs/{_syncId}/run 422: $.errors[].code: the document names no no_such_code',
    ]);
  });

  it("Celigo: the rate limit (429, Retry-After, rate_limited) is the documents' index's", () => {
    const index = readFileSync(join(DOCUMENTS, 'INDEX.md'), 'utf8');
    for (const fact of ['429', 'Retry-After', 'rate_limited', '1,000', '300']) expect(index).toContain(fact);
    for (const operation of celigo.operations) expect(operation.responses[429]?.headers).toHaveProperty('Retry-After');
  });

  it('Celigo: the error filter enums are the ones GET /v1/errors/filterMetadata lists', () => {
    const { documents } = load('004');
    const text = findOperation(documents, 'GET', '/v1/errors/filterMetadata')?.text ?? '';
    const listed = (name: string) =>
      [
        ...(new RegExp(`\\*\\*${name}\\*\\* \\(\\d+ values\\):([\\s\\S]*?)(\\n- |\\n\\n)`).exec(text)?.[1] ?? '').matchAll(/`([a-z_]+)`/g),
      ].map((m) => m[1]);
    expect(listed('source')).toEqual([...ERROR_FILTER_SOURCES]);
    expect(listed('classification')).toEqual([...ERROR_FILTER_CLASSIFICATIONS]);
  });

  it('Airweave 001: source-connection jobs — auth, limit, every field with its type, statuses', () => {
    const page = sourceConnectionJobPage(read('001'));
    const [operation] = airweave.operations.filter((o) => o.document === '001');
    expect(operation?.auth.header).toBe(page.authHeader);
    const limit = operation?.query?.limit;
    expect(page.limit).toContain(`${limit?.minimum}-${limit?.maximum}`);
    expect(page.limit).toContain(`Defaults to ${limit?.default}`);
    const properties = sourceConnectionJob.properties as Record<string, Schema>;
    expect(Object.keys(properties).sort()).toEqual([...page.fields.keys()].sort());
    for (const [name, schema] of Object.entries(properties)) {
      const documented = page.fields.get(name);
      const types = [schema.type].flat();
      expect({ name, types, format: schema.format }).toEqual({
        name,
        types: documented?.nullable === true ? [documented.type, 'null'] : [documented?.type],
        format: documented?.format,
      });
    }
    expect([...SOURCE_CONNECTION_JOB_STATUSES].sort()).toEqual([...page.statuses].sort());
    // The page lists no errors: every other response says where it comes from.
    for (const [status, response] of Object.entries(operation?.responses ?? {}))
      if (status !== '200') expect(response.inferred, status).toBeDefined();
  });

  it('Airweave 002: organisation-wide sync jobs — bearer auth, skip/limit/status, every field with its type', () => {
    const page = syncJobsPage(read('002'));
    const [operation] = airweave.operations.filter((o) => o.document === '002');
    expect(operation?.auth.header === 'Authorization' && page.exampleRequest.includes('Authorization: Bearer')).toBe(true);
    const query = operation?.query ?? {};
    expect(Object.keys(query).sort()).toEqual([...page.query.keys()].sort());
    expect(page.query.get('skip')).toContain(`default:${query.skip?.default}`);
    expect(page.query.get('limit')).toContain(`default:${query.limit?.default}`);
    expect(page.query.get('limit')).toContain(`(${query.limit?.minimum}-${query.limit?.maximum})`);
    const valid = /Valid values: ([a-z_, ]+?)Example/.exec(page.query.get('status') ?? '')?.[1]?.split(', ') ?? [];
    expect([...SYNC_JOB_STATUSES]).toEqual(valid);
    expect(query.status?.enum).toEqual(valid);

    const properties = syncJob.properties as Record<string, Schema>;
    const required = (syncJob.required as string[] | undefined) ?? [];
    expect(Object.keys(properties).sort()).toEqual([...page.fields.keys()].sort());
    const example = page.example[0] ?? {};
    const isTimestamp = (name: string) => (properties[name]?.format ?? '') === 'date-time';
    // The example shows an unset timestamp (failed_at of a completed job) as null.
    const unsetTimestampIsNull = Object.keys(properties).some((name) => isTimestamp(name) && example[name] === null);
    for (const [name, schema] of Object.entries(properties)) {
      const documented = page.fields.get(name);
      const types = [schema.type].flat();
      // Nullable only where the page's own example shows null (or shows an unset timestamp as null).
      const nullable =
        types.includes('null') && (example[name] === null || (isTimestamp(name) && !required.includes(name) && unsetTimestampIsNull));
      expect({ name, types, required: required.includes(name) }).toEqual({
        name,
        types: nullable ? [documented?.type, 'null'] : [documented?.type],
        required: documented?.required,
      });
      if (schema.format === 'uuid') expect(documented?.description, name).toMatch(/UUID/);
      if (schema.format === 'date-time') expect(documented?.description, name).toMatch(/ISO 8601/);
    }
    const documentedErrors = Object.entries(operation?.responses ?? {})
      .filter(([s, r]) => s !== '200' && r.inferred === undefined)
      .map(([s]) => Number(s));
    expect(documentedErrors.sort()).toEqual([...page.errorStatuses].sort());
  });
});
