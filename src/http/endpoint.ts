// Metric label for a request: method + path with ids replaced, so the label set stays small.

const OBJECT_ID = /^[0-9a-f]{24}$/i; // Celigo / MongoDB ids
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i; // Airweave
const DIGITS = /^\d{2,}$/; // numeric ids; a one-digit segment is more likely a version or a page

export function templatePath(path: string): string {
  const withoutQuery = path.split(/[?#]/, 1)[0] ?? '';
  return withoutQuery
    .split('/')
    .map((segment) => (OBJECT_ID.test(segment) || UUID.test(segment) || DIGITS.test(segment) ? '{id}' : segment))
    .join('/');
}

export function endpointName(method: string, path: string): string {
  return `${method.toUpperCase()} ${templatePath(path)}`;
}
