// The vocabulary the upstream contracts (celigo.ts, airweave.ts, neo.ts) are written in: JSON Schema
// 2020-12 built by small helpers, and the shape of an operation's facts.
//
// Objects list the fields we know of; a field a body carries that its object does not list is
// flagged by the conformance tests (check.ts), unless the object is `open` (the platform documents
// it as a free-form map).

export type Schema = { [keyword: string]: unknown };

function described(schema: Schema, description: string | undefined): Schema {
  return description === undefined ? schema : { ...schema, description };
}

export const string = (description?: string): Schema => described({ type: 'string' }, description);
export const integer = (description?: string): Schema => described({ type: 'integer' }, description);
export const number = (description?: string): Schema => described({ type: 'number' }, description);
export const boolean = (description?: string): Schema => described({ type: 'boolean' }, description);
/** Celigo's 24-hex-digit ids. */
export const objectId = (description?: string): Schema => described({ type: 'string', format: 'objectId' }, description);
export const uuid = (description?: string): Schema => described({ type: 'string', format: 'uuid' }, description);
/** An ISO 8601 date-time string. */
export const dateTime = (description?: string): Schema => described({ type: 'string', format: 'date-time' }, description);
/** One of the listed strings. */
export const oneOf = (values: readonly string[], description?: string): Schema =>
  described({ type: 'string', enum: [...values] }, description);

/** The same schema, or null. */
export function nullable(schema: Schema): Schema {
  const type = schema.type;
  const types = Array.isArray(type) ? type : [type];
  const out: Schema = { ...schema, type: [...types, 'null'] };
  if (Array.isArray(schema.enum)) out.enum = [...(schema.enum as unknown[]), null];
  return out;
}

export const arrayOf = (items: Schema, description?: string): Schema => described({ type: 'array', items }, description);

export interface ObjectOptions {
  /** Fields every instance carries (as the document marks them). */
  required?: readonly string[];
  /** A free-form object: fields beside the listed ones are allowed. */
  open?: boolean;
  description?: string;
}

export function object(properties: Record<string, Schema>, options: ObjectOptions = {}): Schema {
  const schema: Schema = { type: 'object', properties };
  if (options.required !== undefined && options.required.length > 0) schema.required = [...options.required];
  if (options.open === true) schema.additionalProperties = true;
  return described(schema, options.description);
}

/** An object with every listed field required. */
export const record = (properties: Record<string, Schema>, options: Omit<ObjectOptions, 'required'> = {}): Schema =>
  object(properties, { ...options, required: Object.keys(properties) });

/** Exactly one of the alternatives. */
export const either = (...alternatives: Schema[]): Schema => ({ oneOf: alternatives });

// ---- operations ----

/** How a request authenticates. */
export type Auth = { header: 'Authorization'; scheme: 'Bearer'; credential: string } | { header: 'x-api-key'; credential: string };

export interface QueryParameter {
  type: 'string' | 'integer' | 'string[]';
  description: string;
  minimum?: number;
  maximum?: number;
  default?: number | string;
  /** Allowed values (a repeatable `string[]` parameter takes several). */
  enum?: readonly string[];
  /** The document says the server ignores it (it is listed so nobody relies on it). */
  ignored?: true;
}

export type Pagination =
  | { style: 'none'; description?: string }
  | { style: 'link-header'; rel: 'next'; description: string }
  | { style: 'body-url'; field: string; description: string }
  | { style: 'cursor'; field: string; parameter: string; description: string }
  | { style: 'offset'; parameters: readonly [string, string]; description: string };

export interface Response {
  description: string;
  /** The JSON body; absent when the response has none (204). */
  body?: Schema;
  /** A 200 that may also come with no body at all. */
  mayBeEmpty?: true;
  /** The platform's error codes for this status. */
  codes?: readonly string[];
  headers?: Record<string, string>;
  /**
   * Set when this response (or some of its codes) is not in the operation's document: where the
   * fact comes from instead (the documents' index, the platform's framework, observed behaviour).
   */
  inferred?: string;
}

export interface Operation {
  method: 'GET' | 'POST' | 'PUT';
  /** Path template, with the document's parameter names. */
  path: string;
  /** The document it is distilled from (seed number, e.g. "004"), and the section. */
  document: string;
  section: string;
  summary: string;
  auth: Auth;
  query?: Record<string, QueryParameter>;
  requestBody?: Schema;
  pagination: Pagination;
  responses: Record<number, Response>;
}

export interface PlatformContract {
  name: string;
  operations: readonly Operation[];
  /** The body of an error that no operation owns (an unknown route). */
  errorEnvelope: Schema;
}
