/**
 * `mmlens facts` over a whole generated kernel-like tree, next to two baselines measured in the same run:
 * reading + tree-sitter-parsing every file (what a naive analyser pays), and Coccinelle's spatch with a semantic
 * patch that finds get_user_pages calls under the mmap lock (when spatch is installed: `apt-get install coccinelle`).
 *
 *   node --import tsx bench/tree-walk.ts [--files 3000] [--mm-share 0.05]
 *
 * A real tree has ~35k .c files of which a few percent mention GUP, the mmap lock or fault handling; --mm-share
 * sets that fraction here. Prints figures only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Parser from 'tree-sitter';
import C from 'tree-sitter-c';
import { runFactsCommand } from '../cli/commands/facts';
import { collectInputs } from '../cli/walk';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const FILES = arg('--files', 3000);
const MM_SHARE = arg('--mm-share', 0.05);

const PLAIN = (i: number): string => `static int helper_${i}(struct dev_${i % 17} *d, int n)
{
	int k, acc = 0;

	for (k = 0; k < n; k++) {
		if (d->table[k] & DEV_FLAG_VALID)
			acc += d->table[k] >> 4;
		else
			dev_warn(d->dev, "slot %d invalid\\n", k);
	}
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
	ret = get_user_pages(uaddr, nr, FOLL_WRITE, c->pages);
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
		flags |= FAULT_FLAG_TRIED;
		goto retry;
	}
	mmap_read_unlock(mm);
	return fault;
}

`;

function makeTree(): { dir: string; bytes: number; mmFiles: number } {
  const dir = mkdtempSync(join(tmpdir(), 'mmlens-tree-'));
  writeFileSync(join(dir, 'Makefile'), 'VERSION = 6\nPATCHLEVEL = 8\nSUBLEVEL = 0\n');
  let bytes = 0;
  let mmFiles = 0;
  const every = MM_SHARE > 0 ? Math.max(1, Math.round(1 / MM_SHARE)) : Infinity;
  for (let f = 0; f < FILES; f++) {
    const sub = join(dir, `drivers/sub${f % 40}`);
    mkdirSync(sub, { recursive: true });
    const parts = ['// SPDX-License-Identifier: GPL-2.0\n#include <linux/kernel.h>\n\n'];
    const fns = 10 + (f % 30);
    for (let i = 0; i < fns; i++) parts.push(PLAIN(f * 100 + i));
    if (f % every === 0) {
      parts.push(MM(f));
      mmFiles++;
    }
    const text = parts.join('');
    bytes += text.length;
    writeFileSync(join(sub, `file${f}.c`), text);
  }
  return { dir, bytes, mmFiles };
}

function secs(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const { dir, bytes, mmFiles } = makeTree();
const mb = bytes / 1e6;
console.log(`tree walk, node ${process.version}: ${FILES} files, ${mb.toFixed(1)} MB, ${mmFiles} files mention mm identifiers (${(MM_SHARE * 100).toFixed(1)}%)`);

// Baseline 1: read and tree-sitter-parse every file.
const parser = new Parser();
// tree-sitter-c's typings describe the language object loosely; it is the Language tree-sitter expects.
parser.setLanguage(C as unknown as Parser.Language);
let t = process.hrtime.bigint();
for (const f of collectInputs([dir], 10 * 1024 * 1024).files) parser.parse(readFileSync(f.path, 'utf8'));
const bare = secs(t);

// mmlens facts over the tree (JSON output, discarded).
let outBytes = 0;
t = process.hrtime.bigint();
void runFactsCommand([dir, '--json', '--no-progress'], {
  stdout: (s) => {
    outBytes += s.length;
  },
  stderr: () => {},
}).then((code) => {
  const facts = secs(t);
  const row = (name: string, s: number): void =>
    console.log(`${name.padEnd(44)} ${s.toFixed(2).padStart(7)} s  ${(FILES / s).toFixed(0).padStart(7)} files/s  ${(mb / s).toFixed(1).padStart(6)} MB/s`);
  row('baseline: read + tree-sitter parse every file', bare);
  row(`mmlens facts --json (exit ${code}, ${(outBytes / 1e6).toFixed(1)} MB out)`, facts);
  console.log(`  mmlens / bare parse: ${(facts / bare).toFixed(2)}x`);

  const which = spawnSync('sh', ['-c', 'command -v spatch'], { encoding: 'utf8' });
  if (which.status === 0) {
    const cocci = join(dir, 'gup-under-lock.cocci');
    writeFileSync(cocci, '@@\nexpression mm, a, b, c, d;\n@@\n* mmap_read_lock(mm);\n  ...\n* get_user_pages(a, b, c, d);\n  ...\n* mmap_read_unlock(mm);\n');
    t = process.hrtime.bigint();
    try {
      execFileSync('spatch', ['--very-quiet', '--sp-file', cocci, '--dir', dir, '-j', '2'], { stdio: 'ignore', timeout: 600_000 });
    } catch {
      // spatch exits non-zero on some inputs; the time is what is measured here.
    }
    const sp = secs(t);
    row('baseline: spatch (gup under mmap lock)', sp);
    console.log(`  mmlens / spatch: ${(facts / sp).toFixed(2)}x`);
  } else {
    console.log('spatch not installed: Coccinelle baseline skipped (apt-get install coccinelle)');
  }
  rmSync(dir, { recursive: true, force: true });
});
