// The simulator's admin API (`/__sim/…`) for tests: JSON in, JSON out, a clear error when it refuses.
export async function simAdmin<T = any>(baseUrl: string, path: string, body?: unknown, method = 'POST'): Promise<T> {
  const res = await fetch(`${baseUrl}/__sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined && (method === 'POST' || method === 'PUT') ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`admin ${method} ${path} → ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
