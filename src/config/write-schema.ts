// Regenerates config/syncwatch.schema.json from the zod schema: `npx tsx src/config/write-schema.ts`.
// A test fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from './index.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../../config/syncwatch.schema.json', import.meta.url));

export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, renderConfigJsonSchema());
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
}
