// Reading the upstream API documents, for the agreement test only (seeds-agreement.test.ts): the
// OpenAPI blocks of the Celigo documents (000 Syncs, 004 Flows: ```json fences, one per section),
// the Neo document (003: a ````yaml fence), and the Airweave pages (001, 002: prose). Every function
// takes the documents' directory; nothing here knows where it is.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The text of document `number` ("000"…"004") in `directory` (files are named `<number>_<hash>.txt`). */
export function documentText(directory: string, number: string): string {
  const file = readdirSync(directory).find((f) => f.startsWith(`${number}_`) && f.endsWith('.txt'));
  if (file === undefined) throw new Error(`no document ${number}_*.txt in ${directory}`);
  return readFileSync(join(directory, file), 'utf8');
}

export interface OpenApiDocument {
  /** The document number it came from. */
  number: string;
  paths: Record<string, Record<string, JsonObject>>;
  components?: JsonObject;
}

/** Every OpenAPI block of document `number`. */
export function openApiDocuments(directory: string, number: string): OpenApiDocument[] {
  const text = documentText(directory, number);
  const documents: OpenApiDocument[] = [];
  for (const block of text.matchAll(/```json\n([\s\S]*?)\n```/g)) {
    const parsed = JSON.parse(block[1] ?? 'null') as unknown;
    if (isObject(parsed) && typeof parsed.openapi === 'string' && isObject(parsed.paths)) {
      documents.push({ ...(parsed as unknown as Omit<OpenApiDocument, 'number'>), number });
    }
  }
  const yaml = /^(`{3,})yaml[^\n]*\n([\s\S]*?)\n\1\s*$/m.exec(text);
  if (yaml !== null) {
    const parsed = parseYaml(yaml[2] ?? '') as unknown;
    if (isObject(parsed) && typeof parsed.openapi === 'string' && isObject(parsed.paths)) {
      documents.push({ ...(parsed as unknown as Omit<OpenApiDocument, 'number'>), number });
    }
  }
  if (documents.length === 0) throw new Error(`no OpenAPI block in document ${number}`);
  return documents;
}

/** Deep copy of `node` with every local `$ref` replaced by its target in `doc`. */
function inline(node: Json, doc: OpenApiDocument, stack: string[] = []): Json {
  if (Array.isArray(node)) return node.map((item) => inline(item, doc, stack));
  if (!isObject(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string') {
    if (!ref.startsWith('#/')) throw new Error(`non-local $ref ${ref}`);
    if (stack.includes(ref)) return {}; // a recursive structure: deep enough for a field digest
    let target: Json = doc as unknown as Json;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      target = isObject(target) ? (target[key] ?? null) : null;
    }
    if (target === null) throw new Error(`unresolved $ref ${ref}`);
    const { $ref: _ignored, ...siblings } = node;
    const resolved = inline(target, doc, [...stack, ref]);
    return Object.keys(siblings).length === 0 ? resolved : { allOf: [resolved, inline(siblings, doc, stack)] };
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v, doc, stack)]));
}

export interface DocumentedOperation {
  summary: string;
  /** The operation with its refs inlined. */
  operation: JsonObject;
  /** Every string of the operation (descriptions included), for "is it mentioned" checks. */
  text: string;
  /** `http` + `bearer` when the operation (or its document) requires a bearer token. */
  bearer: boolean;
  queryParameters: Map<string, JsonObject>;
  /** Status → JSON body schema (null when the response has none). */
  responses: Map<number, Json | null>;
  /** Status → header names (lower case). */
  headers: Map<number, string[]>;
}

function strings(node: Json, out: string[] = []): string[] {
  if (typeof node === 'string') out.push(node);
  else if (Array.isArray(node)) for (const item of node) strings(item, out);
  else if (isObject(node)) for (const value of Object.values(node)) strings(value, out);
  return out;
}

export function findOperation(documents: readonly OpenApiDocument[], method: string, path: string): DocumentedOperation | undefined {
  for (const doc of documents) {
    const raw = doc.paths[path]?.[method.toLowerCase()];
    if (raw === undefined) continue;
    const operation = inline(raw, doc);
    if (!isObject(operation)) continue;
    const security = (operation.security ?? (doc as unknown as JsonObject).security ?? []) as Json[];
    const schemes = isObject(doc.components?.securitySchemes) ? doc.components.securitySchemes : {};
    const bearer = security.some(
      (s) =>
        isObject(s) &&
        Object.keys(s).some(
          (name) => isObject(schemes[name]) && schemes[name].type === 'http' && String(schemes[name].scheme).toLowerCase() === 'bearer',
        ),
    );
    const queryParameters = new Map<string, JsonObject>();
    for (const p of (operation.parameters ?? []) as Json[])
      if (isObject(p) && p.in === 'query' && typeof p.name === 'string') queryParameters.set(p.name, p);
    const responses = new Map<number, Json | null>();
    const headers = new Map<number, string[]>();
    for (const [status, response] of Object.entries(isObject(operation.responses) ? operation.responses : {})) {
      const content = isObject(response) && isObject(response.content) ? response.content['application/json'] : undefined;
      responses.set(Number(status), isObject(content) && content.schema !== undefined ? content.schema : null);
      headers.set(
        Number(status),
        isObject(response) && isObject(response.headers) ? Object.keys(response.headers).map((h) => h.toLowerCase()) : [],
      );
    }
    return {
      summary: String(operation.summary ?? ''),
      operation,
      text: strings(operation).join('\n'),
      bearer,
      queryParameters,
      responses,
      headers,
    };
  }
  return undefined;
}

// ---- field digests ----

/** What a schema says about one field: `$`, `$.data`, `$.data[]`, `$.data[].status`, `$.timings_ms{*}`. */
export interface FieldFacts {
  types: string[];
  format?: string;
  enum?: string[];
  required: boolean;
  /** Fields beside the listed ones are allowed. */
  open: boolean;
  limits: string[];
}

interface Facet {
  types: Set<string>;
  formats: Set<string>;
  enums: Set<string> | undefined;
  properties: Map<string, Json[]>;
  required: Set<string>;
  items: Json[];
  additional: Json[];
  open: boolean;
  limits: Set<string>;
}

const LIMIT_KEYWORDS = ['minimum', 'maximum', 'minItems', 'maxItems'];

function facetOf(schema: Json): Facet {
  const facet: Facet = {
    types: new Set(),
    formats: new Set(),
    enums: undefined,
    properties: new Map(),
    required: new Set(),
    items: [],
    additional: [],
    open: false,
    limits: new Set(),
  };
  if (!isObject(schema)) return facet;
  const type = schema.type;
  for (const t of Array.isArray(type) ? type : type === undefined ? [] : [type]) facet.types.add(String(t));
  if (typeof schema.format === 'string') facet.formats.add(schema.format);
  if (Array.isArray(schema.enum)) facet.enums = new Set(schema.enum.filter((v) => v !== null).map(String));
  if (isObject(schema.properties)) for (const [k, v] of Object.entries(schema.properties)) facet.properties.set(k, [v]);
  if (Array.isArray(schema.required)) for (const r of schema.required) facet.required.add(String(r));
  if (schema.items !== undefined) facet.items.push(schema.items);
  if (schema.additionalProperties === true || schema.patternProperties !== undefined) facet.open = true;
  if (isObject(schema.additionalProperties)) facet.additional.push(schema.additionalProperties);
  for (const k of LIMIT_KEYWORDS) if (typeof schema[k] === 'number') facet.limits.add(`${k}=${schema[k]}`);
  const merge = (other: Facet, requiredToo: boolean) => {
    for (const t of other.types) facet.types.add(t);
    for (const f of other.formats) facet.formats.add(f);
    if (other.enums !== undefined) facet.enums = new Set([...(facet.enums ?? []), ...other.enums]);
    for (const [k, v] of other.properties) facet.properties.set(k, [...(facet.properties.get(k) ?? []), ...v]);
    if (requiredToo) for (const r of other.required) facet.required.add(r);
    facet.items.push(...other.items);
    facet.additional.push(...other.additional);
    facet.open ||= other.open;
    for (const l of other.limits) facet.limits.add(l);
  };
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf) merge(facetOf(part), true);
  for (const keyword of ['oneOf', 'anyOf']) {
    const branches = schema[keyword];
    if (!Array.isArray(branches)) continue;
    const facets = branches.map(facetOf);
    for (const f of facets) merge(f, false);
    // Required in every branch is required.
    const first = facets[0];
    if (first !== undefined) for (const r of first.required) if (facets.every((f) => f.required.has(r))) facet.required.add(r);
  }
  if (facet.types.size === 0 && facet.properties.size > 0) facet.types.add('object');
  if (facet.types.size === 0 && facet.items.length > 0) facet.types.add('array');
  return facet;
}

/** Every field of `schema`, by JSON path. */
export function fieldDigest(schema: Json, path = '$', required = true, out = new Map<string, FieldFacts>()): Map<string, FieldFacts> {
  const facet = facetOf(schema);
  const facts: FieldFacts = {
    types: [...facet.types].sort(),
    required,
    open: facet.open || (facet.types.has('object') && facet.properties.size === 0 && facet.additional.length === 0),
    limits: [...facet.limits].sort(),
  };
  if (facet.formats.size > 0) facts.format = [...facet.formats].sort().join('|');
  if (facet.enums !== undefined) facts.enum = [...facet.enums].sort();
  out.set(path, facts);
  for (const [name, schemas] of facet.properties) fieldDigest({ allOf: schemas }, `${path}.${name}`, facet.required.has(name), out);
  if (facet.items.length > 0) fieldDigest({ allOf: facet.items }, `${path}[]`, true, out);
  if (facet.additional.length > 0) fieldDigest({ allOf: facet.additional }, `${path}{*}`, false, out);
  return out;
}

// ---- the Airweave pages (prose) ----

export interface ProseField {
  name: string;
  /** string, integer, number, boolean, object, array (double → number, "map from strings to any" → object, enum → string). */
  type: string;
  nullable: boolean;
  format?: string;
  required?: boolean;
  description?: string;
}

const PROSE_TYPES: Array<[RegExp, string]> = [
  [/^map from strings to any/, 'object'],
  [/^double/, 'number'],
  [/^integer/, 'integer'],
  [/^string/, 'string'],
  [/^boolean/, 'boolean'],
  [/^object/, 'object'],
  [/^array/, 'array'],
  [/^enum/, 'string'],
];

/**
 * The source-connection jobs page (001): fields are written `name` + `type` [+ " or null"] [+
 * `format: "…"`] on one line (`started_atstring or nullformat: "date-time"`).
 */
export function sourceConnectionJobPage(text: string): {
  fields: Map<string, ProseField>;
  statuses: string[];
  limit: string;
  authHeader: string | undefined;
} {
  const response = text.slice(text.indexOf('\nResponse\n'));
  const fields = new Map<string, ProseField>();
  for (const line of response.split('\n')) {
    const match = /^([a-z_]+?)(map from strings to any|double|integer|string|boolean|object|array|enum)(.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, name = '', typeWord = '', rest = ''] = match;
    const type = PROSE_TYPES.find(([re]) => re.test(typeWord))?.[1] ?? typeWord;
    const format = /format: "([^"]+)"/.exec(rest)?.[1];
    fields.set(name, { name, type, nullable: rest.startsWith(' or null'), ...(format === undefined ? {} : { format }) });
  }
  const statuses = (/Current status: ([A-Z, ]+?)(, or |\.|\n)/.exec(text)?.[1] ?? '')
    .split(', ')
    .concat(/, or ([A-Z]+)/.exec(text)?.[1] ?? '')
    .filter((s) => s !== '');
  const limit = /\nlimit(integer[^\n]*)/.exec(text)?.[1] ?? '';
  const authHeader = /\nAuthentication\n\n([a-z-]+?)string/.exec(text)?.[1];
  return { fields, statuses, limit, authHeader };
}

/**
 * The organisation-wide sync jobs page (002): under "Response", each field is `name`, `type`, an
 * optional `required`, then its description, one per line; query parameters likewise under
 * "Query Parameters"; an example request and an example response.
 */
export function syncJobsPage(text: string): {
  fields: Map<string, ProseField>;
  query: Map<string, string>;
  example: Array<Record<string, unknown>>;
  exampleRequest: string;
  errorStatuses: number[];
} {
  /** The text after `start` up to `end` (or to the end of the page). */
  const between = (start: string, end?: string) => {
    const from = text.indexOf(start);
    if (from < 0) return '';
    const to = end === undefined ? text.length : text.indexOf(end, from + start.length);
    return to < 0 ? '' : text.slice(from + start.length, to);
  };
  const typed = (block: string) => {
    const lines = block.split('\n').map((l) => l.trim());
    const out = new Map<string, { type: string; required: boolean; description: string }>();
    for (let i = 0; i + 1 < lines.length; i++) {
      const [name, type] = [lines[i] ?? '', lines[i + 1] ?? ''];
      if (/^[a-z_]+$/.test(name) && /^(string|integer|boolean|object|array|number)$/.test(type)) {
        const required = lines[i + 2] === 'required';
        out.set(name, { type, required, description: lines.slice(i + (required ? 3 : 2), i + (required ? 5 : 4)).join('\n') });
        i += 1;
      }
    }
    return out;
  };
  const fields = new Map<string, ProseField>();
  for (const [name, f] of typed(between('\nResponse\n', '\nExample Request')))
    fields.set(name, { name, type: f.type, nullable: false, required: f.required, description: f.description });
  const query = new Map<string, string>();
  for (const [name, f] of typed(between('\nQuery Parameters\n', '\nResponse\n'))) query.set(name, `${f.type}\n${f.description}`);
  const example = JSON.parse(/Example Response\n\n(\[[\s\S]*?\n\])/.exec(text)?.[1] ?? '[]') as Array<Record<string, unknown>>;
  const errorStatuses = [...between('Error Responses').matchAll(/^(\d{3}) /gm)].map((m) => Number(m[1]));
  return { fields, query, example, exampleRequest: between('Example Request', 'Example Response'), errorStatuses };
}
