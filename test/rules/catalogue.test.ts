// The catalogue as a whole: every registered rule has a unique id, a docs page with the required sections, and
// fixtures; the registry matches rules.md's ids.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RULES, ruleDocPath } from '../../server/src/rules/registry';

const ROOT = join(__dirname, '..', '..');

describe('rule catalogue', () => {
  it('ids are unique kebab-case', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[a-z]+(?:-[a-z]+)*$/);
  });

  for (const rule of RULES) {
    it(`${rule.id}: docs page with what happens at run time, eras, example, how to silence`, () => {
      const p = join(ROOT, ruleDocPath(rule.id));
      assert.ok(existsSync(p), `missing ${ruleDocPath(rule.id)}`);
      const md = readFileSync(p, 'utf8');
      assert.match(md, new RegExp(`^# ${rule.id}\\b`, 'm'));
      for (const h of ['## What happens at run time', '## Eras', '## Example', '## How to silence'])
        assert.ok(md.includes(h), `${ruleDocPath(rule.id)} lacks "${h}"`);
    });
    it(`${rule.id}: has fixtures and a test file`, () => {
      const dir = join(ROOT, 'test', 'fixtures', 'rules', rule.id);
      assert.ok(existsSync(dir) && readdirSync(dir).length >= 2, `test/fixtures/rules/${rule.id}/ needs positive and negative fixtures`);
      assert.ok(existsSync(join(ROOT, 'test', 'rules', `${rule.id}.test.ts`)), `test/rules/${rule.id}.test.ts missing`);
    });
  }
});
