// Shared helpers for the hardening suites (issue #11).
import { join } from 'node:path';
import type { Io } from '../../cli/io';

export const ROOT = join(__dirname, '..', '..');
export const HARDENING = join(ROOT, 'test', 'fixtures', 'hardening');

export function capture(): Io & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (s: string) => {
      io.out += s;
    },
    stderr: (s: string) => {
      io.err += s;
    },
    stderrIsTTY: false,
  };
  return io;
}
