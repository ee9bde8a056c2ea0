// The contract the simulator is checked against: every ```json OpenAPI 3.1 block in the Celigo
// seeds (000 Syncs, 004 Flows). Finds an operation's response schema, inlines its $refs (to the
// components of the same document), validates bodies with ajv 2020, and flags properties the
// schema does not declare (the seeds rarely say additionalProperties:false).

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

// Both packages are CommonJS with a `default` property; take the callable whichever way it arrives.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module.default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as typeof addFormatsModule.default;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface OpenApiDocument {
  /** The seed file the block came from (not part of OpenAPI). */
  seedFile: string;
  openapi: string;
  paths: Record<string, Record<string, JsonObject>>;
  components?: JsonObject;
}

/** The seed files the simulator implements. */
const SEED_FILE_PREFIXES = ['000_', '004_'];

export function seedsDirectory(): string {
  return process.env.SYNCWATCH_SEEDS ?? fileURLToPath(new URL('../../../shared/seeds/', import.meta.url));
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every OpenAPI document in the seed files (one per "## Section"). */
export function loadSeedDocuments(directory = seedsDirectory()): OpenApiDocument[] {
  const files = readdirSync(directory).filter((f) => SEED_FILE_PREFIXES.some((p) => f.startsWith(p)) && f.endsWith('.txt'));
  if (files.length !== SEED_FILE_PREFIXES.length) throw new Error(`expected seeds ${SEED_FILE_PREFIXES.join(', ')}* in ${directory}, found ${files.join(', ')}`);
  const documents: OpenApiDocument[] = [];
  for (const file of files) {
    const text = readFileSync(`${directory}/${file}`, 'utf8');
    for (const block of text.matchAll(/```json\n([\s\S]*?)\n```/g)) {
      const parsed = JSON.parse(block[1] ?? 'null') as unknown;
      if (isObject(parsed) && typeof parsed.openapi === 'string' && isObject(parsed.paths)) {
        documents.push({ ...(parsed as unknown as Omit<OpenApiDocument, 'seedFile'>), seedFile: file });
      }
    }
  }
  return documents;
}

/** The Neo seed (003): one OpenAPI 3.1 document in a ````yaml fence. */
export const NEO_SEED_PREFIX = '003_';

export function loadNeoDocument(directory = seedsDirectory()): OpenApiDocument {
  const file = readdirSync(directory).find((f) => f.startsWith(NEO_SEED_PREFIX) && f.endsWith('.txt'));
  if (file === undefined) throw new Error(`expected seed ${NEO_SEED_PREFIX}* in ${directory}`);
  const text = readFileSync(`${directory}/${file}`, 'utf8');
  const block = /^(`{3,})yaml[^\n]*\n([\s\S]*?)\n\1\s*$/m.exec(text);
  if (block === null) throw new Error(`no yaml block in ${file}`);
  const parsed = parseYaml(block[2] ?? '') as unknown;
  if (!isObject(parsed) || typeof parsed.openapi !== 'string' || !isObject(parsed.paths)) throw new Error(`the yaml block of ${file} is not an OpenAPI document`);
  return { ...(parsed as unknown as Omit<OpenApiDocument, 'seedFile'>), seedFile: file };
}

/** Deep copy of `node` with every local `$ref` replaced by its target in `doc`. */
function inline(node: Json, doc: OpenApiDocument, stack: string[] = []): Json {
  if (Array.isArray(node)) return node.map((item) => inline(item, doc, stack));
  if (!isObject(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string') {
    if (!ref.startsWith('#/')) throw new Error(`non-local $ref ${ref}`);
    if (stack.includes(ref)) throw new Error(`recursive $ref ${[...stack, ref].join(' -> ')}`);
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

// ---- undeclared properties ----

interface Shape {
  properties: Map<string, Json[]>;
  /** additionalProperties/patternProperties allow anything else. */
  open: boolean;
  items: Json[];
}

function collectShape(schema: Json, shape: Shape = { properties: new Map(), open: false, items: [] }): Shape {
  if (schema === true) shape.open = true;
  if (!isObject(schema)) return shape;
  if (isObject(schema.properties)) {
    for (const [key, sub] of Object.entries(schema.properties)) shape.properties.set(key, [...(shape.properties.get(key) ?? []), sub]);
  }
  if ((schema.additionalProperties !== undefined && schema.additionalProperties !== false) || schema.patternProperties !== undefined) shape.open = true;
  if (schema.items !== undefined) shape.items.push(schema.items);
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    const branches = schema[keyword];
    if (Array.isArray(branches)) for (const branch of branches) collectShape(branch, shape);
  }
  return shape;
}

/**
 * JSON paths of properties in `value` that `schema` does not declare. An object schema that
 * declares no properties at all (free-form) or allows additional ones accepts anything.
 */
export function undeclaredProperties(schema: Json, value: unknown, path = '$'): string[] {
  const shape = collectShape(schema);
  const found: string[] = [];
  if (Array.isArray(value)) {
    if (shape.items.length > 0) value.forEach((item, i) => found.push(...undeclaredProperties({ allOf: shape.items }, item, `${path}[${i}]`)));
  } else if (isObject(value)) {
    const open = shape.open || shape.properties.size === 0;
    for (const [key, child] of Object.entries(value)) {
      const subs = shape.properties.get(key);
      if (subs === undefined) {
        if (!open) found.push(`${path}.${key}`);
        continue;
      }
      found.push(...undeclaredProperties({ allOf: subs }, child, `${path}.${key}`));
    }
  }
  return found;
}

// ---- the contract ----

export interface Operation {
  method: string;
  template: string;
  document: OpenApiDocument;
  operation: JsonObject;
}

export class Contract {
  private readonly operations = new Map<string, Operation>();
  private readonly documents: OpenApiDocument[];
  private readonly ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(documents: OpenApiDocument[]) {
    this.documents = documents;
    for (const document of documents) {
      for (const [template, methods] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          const key = `${method.toUpperCase()} ${template}`;
          if (!this.operations.has(key)) this.operations.set(key, { method: method.toUpperCase(), template, document, operation });
        }
      }
    }
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('objectId', /^[0-9a-f]{24}$/);
  }

  static load(): Contract {
    return new Contract(loadSeedDocuments());
  }

  /** The Neo public API (seed 003). */
  static loadNeo(): Contract {
    return new Contract([loadNeoDocument()]);
  }

  operation(method: string, template: string): Operation {
    const found = this.operations.get(`${method} ${template}`);
    if (found === undefined) throw new Error(`the seeds document no ${method} ${template}`);
    return found;
  }

  hasOperation(method: string, template: string): boolean {
    return this.operations.has(`${method} ${template}`);
  }

  /** The operation's response object for a status, refs inlined; undefined when undocumented. */
  response(method: string, template: string, status: number): JsonObject | undefined {
    const { operation, document } = this.operation(method, template);
    const responses = operation.responses;
    const response = isObject(responses) ? responses[String(status)] : undefined;
    if (response === undefined) return undefined;
    const inlined = inline(response, document);
    return isObject(inlined) ? inlined : undefined;
  }

  documentedStatuses(method: string, template: string): number[] {
    const responses = this.operation(method, template).operation.responses;
    return isObject(responses) ? Object.keys(responses).map(Number) : [];
  }

  /** The JSON body schema of a documented response; null when the response has no body (204). */
  responseSchema(method: string, template: string, status: number): Json | null {
    const response = this.response(method, template, status);
    if (response === undefined) throw new Error(`${method} ${template} documents no ${status} response`);
    const content = response.content;
    if (!isObject(content)) return null;
    const media = content['application/json'];
    return isObject(media) && media.schema !== undefined ? media.schema : null;
  }

  /**
   * The `Error` envelope, for statuses documented outside `responses` (429, parameter errors): from
   * the operation's document, or (when that one does not carry it) another section of the same seed.
   */
  errorSchema(method: string, template: string): Json {
    const { document } = this.operation(method, template);
    const hasError = (d: OpenApiDocument) => isObject(d.components?.schemas) && d.components.schemas.Error !== undefined;
    const source = hasError(document) ? document : this.documents.find((d) => d.seedFile === document.seedFile && hasError(d));
    if (source === undefined) throw new Error(`no Error schema in ${document.seedFile}`);
    return inline({ $ref: '#/components/schemas/Error' }, source);
  }

  /** ajv errors and undeclared properties of `body` against `schema` (empty when it conforms). */
  problems(cacheKey: string, schema: Json, body: unknown): string[] {
    let validate = this.validators.get(cacheKey);
    if (validate === undefined) {
      validate = this.ajv.compile(schema as object);
      this.validators.set(cacheKey, validate);
    }
    const problems: string[] = [];
    if (!validate(body)) for (const e of validate.errors ?? []) problems.push(`${e.instancePath || '$'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    for (const path of undeclaredProperties(schema, body)) problems.push(`${path} is not declared by the schema`);
    return problems;
  }
}
