/**
 * `mmlens check` over a whole kernel-like tree, next to two baselines in the same run: one `rg` pass for the
 * identifiers the rules look at (the cheapest possible full read of the tree), and Coccinelle's `spatch -j 2` with
 * the equivalent call-site query (get_user_pages* / handle_mm_fault call sites), when spatch is installed and
 * --spatch is given (it takes minutes on a large tree).
 *
 *   node --import tsx bench/check-tree.ts [--files 25000] [--kb 20] [--mm-share 0.03] [--jobs N] [--spatch]
 *   node --import tsx bench/check-tree.ts --real /path/to/linux [--spatch]
 *
 * The generated tree imitates a kernel's: ~20 KB files of ordinary driver code in nested directories, a few
 * percent of which call GUP, take the mmap lock or handle faults (correct and defective shapes). The bundled CLI
 * (dist/mmlens.js, run `npm run build` first) is timed as a user runs it. Prints figures only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const FILES = Number(arg('--files') ?? 25000);
const KB = Number(arg('--kb') ?? 20);
const MM_SHARE = Number(arg('--mm-share') ?? 0.03);
const JOBS = arg('--jobs');
const REAL = arg('--real');
const SPATCH = process.argv.includes('--spatch');
const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'bin', 'mmlens.js');
const BUNDLE = join(ROOT, 'dist', 'mmlens.js');

const PLAIN = (i: number): string => `/*
 * helper_${i}() - walk the slot table of a device and sum the valid entries.
 * Returns the sum, or a negative errno when the table is inconsistent.
 */
static int helper_${i}(struct dev_${i % 17} *d, int n)
{
	int k, acc = 0;

	spin_lock(&d->lock);
	for (k = 0; k < n; k++) {
		if (d->table[k] & DEV_FLAG_VALID)
			acc += d->table[k] >> 4;
		else
			dev_warn(d->dev, "slot %d invalid\\n", k);
	}
	spin_unlock(&d->lock);
	switch (acc & 7) {
	case 0:
		return 0;
	case 3:
		return -EINVAL;
	default:
		return acc;
	}
}

`;

const MM = (i: number): string => `static long pin_${i}(struct ctx_${i} *c, unsigned long uaddr, int nr)
{
	struct mm_struct *mm = current->mm;
	long ret;

	mmap_read_lock(mm);
	ret = get_user_pages(uaddr, nr, FOLL_WRITE, c->pages, NULL);
	mmap_read_unlock(mm);
	return ret;
}

static vm_fault_t fault_${i}(struct pt_regs *regs, unsigned long address)
{
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned int flags = FAULT_FLAG_DEFAULT;
	vm_fault_t fault;

retry:
	vma = lock_mm_and_find_vma(mm, address, regs);
	if (!vma)
		return VM_FAULT_SIGSEGV;
	fault = handle_mm_fault(vma, address, flags, regs);
	if (fault_signal_pending(fault, regs))
		return fault;
	if (fault & VM_FAULT_RETRY) {
		${i % 2 ? 'flags |= FAULT_FLAG_TRIED;' : 'flags &= ~FAULT_FLAG_ALLOW_RETRY;\n\t\tflags |= FAULT_FLAG_TRIED;'}
		goto retry;
	}
	mmap_read_unlock(mm);
	return fault;
}

`;

function makeTree(): { dir: string; bytes: number; files: number; mmFiles: number } {
  const dir = mkdtempSync(join(tmpdir(), 'mmlens-check-tree-'));
  writeFileSync(join(dir, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 8\nSUBLEVEL = 0\n');
  let bytes = 0;
  let mmFiles = 0;
  const every = MM_SHARE > 0 ? Math.max(1, Math.round(1 / MM_SHARE)) : Infinity;
  const plainLen = PLAIN(0).length;
  for (let f = 0; f < FILES; f++) {
    const sub = join(dir, ['drivers', 'fs', 'net', 'sound', 'arch/x/mm'][f % 5]!, `sub${f % 97}`, `leaf${f % 7}`);
    mkdirSync(sub, { recursive: true });
    const parts = ['// SPDX-License-Identifier: GPL-2.0\n#include <linux/kernel.h>\n#include <linux/slab.h>\n\n'];
    const target = KB * 1024 * (0.5 + ((f * 7919) % 100) / 100);
    for (let i = 0; parts.length * plainLen < target; i++) parts.push(PLAIN(f * 1000 + i));
    if (f % every === 0) {
      parts.push(MM(f));
      mmFiles++;
    }
    const text = parts.join('');
    bytes += text.length;
    writeFileSync(join(sub, `file${f}.${f % 9 === 0 ? 'h' : 'c'}`), text);
  }
  return { dir, bytes, files: FILES, mmFiles };
}

function time(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** CPU seconds (user, sys) of a child, through GNU time when installed (the machine may be shared and loaded). */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
interface Cpu {
  user: number;
  sys: number;
}
function timedSpawn(cmd: string, args: string[], opts: Parameters<typeof spawnSync>[2] & { timeout?: number }): { r: ReturnType<typeof spawnSync>; cpu?: Cpu } {
  if (!GNU_TIME) return { r: spawnSync(cmd, args, opts) };
  const out = join(tmpdir(), `mmlens-bench-time-${process.pid}.txt`);
  const r = spawnSync(GNU_TIME, ['-f', '%U %S', '-o', out, cmd, ...args], opts);
  const m = /([\d.]+) ([\d.]+)\s*$/.exec(existsSync(out) ? readFileSync(out, 'utf8') : '');
  rmSync(out, { force: true });
  return m ? { r, cpu: { user: Number(m[1]), sys: Number(m[2]) } } : { r };
}
const cpuText = (c: Cpu | undefined): string => (c ? `cpu ${(c.user + c.sys).toFixed(2)} s (user ${c.user.toFixed(2)} + sys ${c.sys.toFixed(2)})` : 'cpu n/a');
const cpuSum = (c: Cpu | undefined): number => (c ? c.user + c.sys : NaN);

const IDENTS =
  'get_user_pages\\w*|__get_user_pages\\w*|get_user_page_vma_remote|pin_user_pages\\w*|fixup_user_fault|mmap_sem|mmap_lock|mmap_(read|write)_\\w+|lock_vma_under_rcu|vma_end_read|lock_mm_and_find_vma|release_fault_lock|handle_mm_fault|VM_FAULT_RETRY|VM_FAULT_COMPLETED|FAULT_FLAG_\\w+';

if (!existsSync(BUNDLE)) {
  console.error('bench/check-tree: build first (npm run build)');
  process.exit(2);
}
const gen = REAL ? undefined : makeTree();
const dir = REAL ?? gen!.dir;
if (gen) console.log(`generated tree: ${gen.files} files, ${(gen.bytes / 1e6).toFixed(0)} MB, ${gen.mmFiles} mention mm identifiers`);
else console.log(`real tree: ${dir}`);
console.log(`machine: ${cpus().length} cores, node ${process.version}`);

// Warm the page cache so every tool reads from memory (first reader would otherwise pay the disk).
spawnSync('rg', ['-c', 'zzzz_never_zzzz', dir], { stdio: 'ignore' });

let rgFiles = 0;
let rgCpu: Cpu | undefined;
const rg = time(() => {
  const { r, cpu } = timedSpawn('rg', ['-l', '-t', 'c', '-e', `\\b(${IDENTS})\\b`, dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  rgCpu = cpu;
  rgFiles = String(r.stdout).split('\n').filter(Boolean).length;
});
console.log(`rg -l (one pass, same identifiers):        ${rg.toFixed(2).padStart(7)} s   ${cpuText(rgCpu)}   ${rgFiles} files match`);

let summary = '';
let checkCpu: Cpu | undefined;
const check = time(() => {
  const { r, cpu } = timedSpawn(process.execPath, [CLI, 'check', dir, '--format', 'json', '--no-progress', '--output', join(tmpdir(), 'mmlens-check-bench.json'), ...(JOBS ? ['--jobs', JOBS] : [])], { encoding: 'utf8', maxBuffer: 1 << 28 });
  checkCpu = cpu;
  summary = String(r.stderr).trim().split('\n').pop() ?? '';
});
console.log(`mmlens check --format json:                ${check.toFixed(2).padStart(7)} s   ${cpuText(checkCpu)}   ${summary.replace(/^mmlens: /, '')}`);
console.log(`  mmlens check / rg: wall ${(check / rg).toFixed(2)}x, cpu ${(cpuSum(checkCpu) / cpuSum(rgCpu)).toFixed(2)}x`);

if (SPATCH) {
  const which = spawnSync('sh', ['-c', 'command -v spatch'], { encoding: 'utf8' });
  if (which.status !== 0) console.log('spatch not installed (apt-get install coccinelle)');
  else {
    const cocci = join(tmpdir(), 'mmlens-gup-sites.cocci');
    writeFileSync(cocci, '@@\nexpression list es;\nidentifier f =~ "^(get_user_pages|pin_user_pages|handle_mm_fault|fixup_user_fault)";\n@@\n* f(es)\n');
    // spatch exits non-zero on some inputs; the time is what is measured.
    let spCpu: Cpu | undefined;
    const sp = time(() => {
      spCpu = timedSpawn('spatch', ['--very-quiet', '--sp-file', cocci, '--dir', dir, '-j', '2'], { stdio: 'ignore', timeout: 3_600_000 }).cpu;
    });
    console.log(`spatch -j 2 (GUP / fault call sites):      ${sp.toFixed(2).padStart(7)} s   ${cpuText(spCpu)}`);
    console.log(`  spatch / mmlens check: wall ${(sp / check).toFixed(1)}x, cpu ${(cpuSum(spCpu) / cpuSum(checkCpu)).toFixed(1)}x`);
  }
}
if (gen) rmSync(gen.dir, { recursive: true, force: true });
