/** simulator/schema/scenario.schema.json compiles with ajv, accepts every preset and agrees with the validator on bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { validateScenario } from '../../../simulator/src';

const root = join(__dirname, '../../..');
const schema: object = JSON.parse(readFileSync(join(root, 'simulator/schema/scenario.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true });
const check = ajv.compile(schema);

test('the schema accepts every preset', () => {
  const dir = join(root, 'simulator/scenarios');
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const json: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    assert.ok(check(json), `${f}: ${ajv.errorsText(check.errors)}`);
  }
});

test('schema and validator both reject an unknown GUP variant and a wrong version', () => {
  const bad = {
    version: 2,
    name: 'x',
    description: 'x',
    era: '6.8',
    memory: { vmas: [{ id: 'b', pages: 1, type: 'anon' }] },
    tasks: [{ id: 't', script: [{ gup: { variant: 'get_user_pages_foo', address: 'b+0', nr_pages: 1 } }] }],
  };
  assert.equal(check(bad), false);
  const v = validateScenario(bad);
  assert.equal(v.ok, false);
  assert.deepEqual(!v.ok && v.errors.map((e) => e.path), ['version', 'tasks[0].script[0].gup.variant']);
});
