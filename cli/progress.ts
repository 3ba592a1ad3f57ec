import type { Io } from './io';

/**
 * A one-line progress bar on stderr for long runs over a kernel tree ("[=====>   ] 1200/5000 files 14.2 MB
 * arch/x86/mm/fault.c"). Drawn only on a TTY, at most every 80 ms, and erased when done, so piped output and CI
 * logs stay clean.
 */
export class ProgressBar {
  private last = 0;
  private drawn = false;

  constructor(
    private readonly io: Io,
    private readonly total: number,
    private readonly enabled: boolean,
    private readonly width = 28,
  ) {}

  update(done: number, bytes: number, current: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 80 && done < this.total) return;
    this.last = now;
    const frac = this.total === 0 ? 1 : done / this.total;
    const filled = Math.min(this.width, Math.round(frac * this.width));
    const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (filled === this.width ? '=' : '>') : '') + ' '.repeat(this.width - filled);
    const name = current.length > 40 ? '…' + current.slice(-39) : current;
    this.io.stderr(`\r[${bar}] ${done}/${this.total} files ${(bytes / 1e6).toFixed(1)} MB ${name}\x1b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.io.stderr('\r\x1b[K');
    this.drawn = false;
  }
}
