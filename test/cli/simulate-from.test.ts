// mmlens simulate --from FILE:LINE with --set: the extracted parameters changed before the run, as in the editor's
// panel (same checks and messages); malformed arguments are usage errors (exit 2), invalid values exit 1 with the
// server's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseSetArgs, runSimulateFrom } from '../../cli/commands/simulate-from';

const root = join(__dirname, '..', '..');
const C = join(root, 'test', 'fixtures', 'editor', 'fault.c');

function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = runSimulateFrom(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

test('--set: keys, aliases, sides, flag lists with or without FAULT_FLAG_, unbounded max', () => {
  assert.deepEqual(parseSetArgs(['flags=FAULT_FLAG_ALLOW_RETRY|KILLABLE', 'set=', 'clear=ALLOW_RETRY,TRIED', 'max=1', 'signalCheck=none', 'era=5.4']), {
    faultPath: { initialFlags: ['ALLOW_RETRY', 'KILLABLE'], retry: { set: [], clear: ['ALLOW_RETRY', 'TRIED'], max: 1 }, signalCheck: 'none' },
    era: '5.4',
  });
  assert.deepEqual(parseSetArgs(['after.retry.max=unbounded', 'before.locked=true', 'foll=FOLL_WRITE']), {
    sides: { after: { faultPath: { retry: { max: null } } }, before: { gup: { locked: true } } },
    gup: { gup_flags: ['FOLL_WRITE'] },
  });
  assert.equal(parseSetArgs(['flags']), "--set needs KEY=VALUE, got 'flags'");
  assert.equal(parseSetArgs(['vmaLock=yes']), "--set vmaLock: expected true or false, got 'yes'");
  assert.match(String(parseSetArgs(['colour=red'])), /^--set: unknown parameter 'colour' \(known: initialFlags, retry\.set, /);
});

test('--from with --set: signalCheck=none turns the SIGKILLed fault into a livelock (behaviour 11)', () => {
  const line = '12';
  const checked = cli('simulate', '--from', `${C}:${line}`, '--preset', 'fatal-signal-checked', '--era', '6.8');
  assert.equal(checked.code, 0, checked.err);
  assert.match(checked.out, /^verdict: app: killed by SIGKILL at 500 µs$/m);
  const unchecked = cli('simulate', '--from', `${C}:${line}`, '--preset', 'fatal-signal-checked', '--era', '6.8', '--set', 'signalCheck=none');
  assert.equal(unchecked.code, 0, unchecked.err);
  assert.match(unchecked.out, /^run with: \{"initialFlags":\["ALLOW_RETRY","KILLABLE","INTERRUPTIBLE"\],"retry":\{"set":\["TRIED"\],"clear":\[\],"max":null\},"signalCheck":"none",.*\}, era 6\.8$/m);
  assert.match(unchecked.out, /^verdict: app: livelock/m);
  const bad = cli('simulate', '--from', `${C}:${line}`, '--set', 'retry.set=TRIED|SOMETIMES');
  assert.deepEqual([bad.code, bad.out], [1, '']);
  assert.match(bad.err, /^mmlens simulate: invalid parameter: faultPath\.retry\.set: "SOMETIMES" is not one of WRITE, /);
  const usage = cli('simulate', '--from', `${C}:${line}`, '--set', 'nothing');
  assert.deepEqual([usage.code, usage.err], [2, "mmlens simulate: --set needs KEY=VALUE, got 'nothing'\n"]);
  const seed = cli('simulate', '--from', `${C}:${line}`, '--seed', 'x');
  assert.deepEqual([seed.code, seed.err], [2, "mmlens simulate: --seed expects a non-negative integer, got 'x'\n"]);
});
