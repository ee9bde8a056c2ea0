// Checks answers against a platform's contract (celigo.ts, airweave.ts, neo.ts): ajv 2020 for
// types, formats, enums and required fields, plus a walk that flags fields a schema does not
// declare (the contract lists fields; it rarely says additionalProperties: false).

import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import type { Operation, PlatformContract, Response, Schema } from './schema.ts';

// Both packages are CommonJS with a `default` property; take the callable whichever way it arrives.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module.default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as typeof addFormatsModule.default;

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- undeclared properties ----

interface Shape {
  properties: Map<string, unknown[]>;
  /** additionalProperties/patternProperties allow anything else. */
  open: boolean;
  items: unknown[];
}

function collectShape(schema: unknown, shape: Shape = { properties: new Map(), open: false, items: [] }): Shape {
  if (schema === true) shape.open = true;
  if (!isObject(schema)) return shape;
  if (isObject(schema.properties)) {
    for (const [key, sub] of Object.entries(schema.properties)) shape.properties.set(key, [...(shape.properties.get(key) ?? []), sub]);
  }
  if ((schema.additionalProperties !== undefined && schema.additionalProperties !== false) || schema.patternProperties !== undefined)
    shape.open = true;
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
export function undeclaredProperties(schema: unknown, value: unknown, path = '$'): string[] {
  const shape = collectShape(schema);
  const found: string[] = [];
  if (Array.isArray(value)) {
    if (shape.items.length > 0)
      value.forEach((item, i) => found.push(...undeclaredProperties({ allOf: shape.items }, item, `${path}[${i}]`)));
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

export interface Answer {
  status: number;
  /** The raw body ('' when there is none). */
  text: string;
  contentType: string | null;
}

export class Contract {
  readonly platform: PlatformContract;
  private readonly operations = new Map<string, Operation>();
  private readonly ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(platform: PlatformContract) {
    this.platform = platform;
    for (const operation of platform.operations) this.operations.set(`${operation.method} ${operation.path}`, operation);
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('objectId', /^[0-9a-f]{24}$/);
  }

  operation(method: string, path: string): Operation {
    const found = this.operations.get(`${method} ${path}`);
    if (found === undefined) throw new Error(`the ${this.platform.name} contract has no ${method} ${path}`);
    return found;
  }

  hasOperation(method: string, path: string): boolean {
    return this.operations.has(`${method} ${path}`);
  }

  statuses(method: string, path: string): number[] {
    return Object.keys(this.operation(method, path).responses).map(Number);
  }

  /** A query parameter's documented bound. */
  bound(method: string, path: string, parameter: string, which: 'minimum' | 'maximum'): number {
    const value = this.operation(method, path).query?.[parameter]?.[which];
    if (value === undefined) throw new Error(`${method} ${path} documents no ${which} for ${parameter}`);
    return value;
  }

  response(method: string, path: string, status: number): Response {
    const response = this.operation(method, path).responses[status];
    if (response === undefined) throw new Error(`${method} ${path} has no ${status} response in the ${this.platform.name} contract`);
    return response;
  }

  /** The JSON body schema of a response; null when it has no body (204). */
  responseSchema(method: string, path: string, status: number): Schema | null {
    return this.response(method, path, status).body ?? null;
  }

  /** ajv errors and undeclared properties of `body` against `schema` (empty when it conforms). */
  problems(cacheKey: string, schema: Schema, body: unknown): string[] {
    let validate = this.validators.get(cacheKey);
    if (validate === undefined) {
      validate = this.ajv.compile(schema);
      this.validators.set(cacheKey, validate);
    }
    const problems: string[] = [];
    if (!validate(body))
      for (const e of validate.errors ?? []) problems.push(`${e.instancePath || '$'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    for (const path of undeclaredProperties(schema, body)) problems.push(`${path} is not declared by the contract`);
    return problems;
  }

  /** Everything wrong with an answer of `method path` (empty when it conforms to the contract). */
  answerProblems(method: string, path: string, answer: Answer): string[] {
    const key = `${method} ${path} ${answer.status}`;
    const response = this.operation(method, path).responses[answer.status];
    if (response === undefined) return [`${key}: the contract has no ${answer.status} for this operation`];
    if (response.body === undefined) return answer.text === '' ? [] : [`${key}: documents no body, got ${answer.text.slice(0, 200)}`];
    if (answer.text === '') return response.mayBeEmpty === true ? [] : [`${key}: an empty body`];
    if (!(answer.contentType ?? '').startsWith('application/json'))
      return [`${key}: content-type ${answer.contentType ?? 'none'}, not JSON`];
    return this.problems(key, response.body, JSON.parse(answer.text)).map((p) => `${key}: ${p}`);
  }

  /** Problems of an error answer no operation owns (an unknown route). */
  envelopeProblems(body: unknown): string[] {
    return this.problems(`${this.platform.name} error envelope`, this.platform.errorEnvelope, body);
  }
}
