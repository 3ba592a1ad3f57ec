// The SARIF 2.1.0 JSON schema check shared by the SARIF tests (the schema shipped in @microsoft/jest-sarif, checked
// with the draft-04 validator it depends on).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- ajv 6 (draft-04) is only reachable through jest-sarif's own node_modules
const Ajv6 = require(require.resolve('ajv', { paths: [dirname(require.resolve('@microsoft/jest-sarif'))] })) as new (o: object) => {
  addMetaSchema(s: object): void;
  validate(schema: object, data: unknown): boolean;
  errorsText(): string;
};

export function isValid(log: unknown): { ok: boolean; errors: string } {
  const schema = JSON.parse(readFileSync(join(dirname(require.resolve('@microsoft/jest-sarif')), 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
  const ajv = new Ajv6({ schemaId: 'id', allErrors: true, unknownFormats: 'ignore' });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the draft-04 meta-schema ships with ajv 6
  ajv.addMetaSchema(require(require.resolve('ajv/lib/refs/json-schema-draft-04.json', { paths: [dirname(require.resolve('@microsoft/jest-sarif'))] })) as object);
  const ok = ajv.validate(schema, log);
  return { ok, errors: ajv.errorsText() };
}

export function validateSarif(log: unknown): void {
  const v = isValid(log);
  assert.ok(v.ok, v.errors);
}

