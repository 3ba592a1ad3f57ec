// Diagnostic.data of rule findings (server/src/lsp/findings.ts) and the code actions built from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveSettings } from '../../common/settings';
import { codeActions } from '../../server/src/lsp/code-actions';
import { cFindingDiagnostics, isFindingData } from '../../server/src/lsp/findings';
import { checkCText } from '../../server/src/rules/check-c';

const TEXT = `static int pin_one(unsigned long uaddr, struct page **pages)
{
	long pinned;

	mmap_read_lock(current->mm);
	pinned = get_user_pages(uaddr, 1, FOLL_WRITE, pages);
	mmap_read_unlock(current->mm);
	return pinned;
}
`;

test('a fix a rule states as a quickfix and as a refactor.rewrite travels once in data, and is still offered under both kinds', () => {
  const check = checkCText(TEXT, '/nonexistent/drivers/misc/pin.c', { era: '6.8' });
  const finding = check.findings.find((f) => f.rule === 'gup-convertible-to-unlocked');
  assert.ok(finding, JSON.stringify(check.findings.map((f) => f.rule)));
  // The rule states the _fast conversion (preferred) and the _unlocked one twice: same title and edits, two kinds.
  const stated = (finding.fixes ?? []).map((f) => [f.title, f.kind ?? 'quickfix', f.isPreferred === true] as const);
  assert.equal(stated.length, 3);
  const [fast, unlocked] = [stated[0]![0], stated[1]![0]];
  assert.match(fast, /get_user_pages_fast/);
  assert.deepEqual(stated.slice(1).map((s) => [s[0], s[1]]), [[unlocked, 'quickfix'], [unlocked, 'refactor.rewrite']]);

  const uri = 'file:///nonexistent/drivers/misc/pin.c';
  const [d] = cFindingDiagnostics({ uri, settings: resolveSettings({ era: '6.8' }), docsRoot: undefined }, [finding]);
  assert.ok(d && isFindingData(d.data));
  assert.deepEqual(d.data.fixes.map((f) => [f.title, f.kind, f.isPreferred]), [[fast, 'quickfix', true], [unlocked, 'refactor.rewrite', false]]);

  // The actions are those the three stated fixes gave: each quickfix once, the conversion also as a refactor.rewrite.
  const actions = codeActions({ uri, version: 1, diagnostics: [d], range: d.range, documentChanges: false });
  assert.deepEqual(actions.map((a) => [a.title, a.kind, a.isPreferred === true]), [[fast, 'quickfix', true], [unlocked, 'quickfix', false], [unlocked, 'refactor.rewrite', false]]);
  assert.deepEqual(actions[1]!.edit, actions[2]!.edit);
  assert.equal(actions[1]!.edit!.changes![uri]!.length, finding.fixes![1]!.edits.length);
});
