/**
 * Signal delivery: which sleeps a signal breaks.
 */

import { signalWakesBlocked } from '../uffd';
import { type Ctx, emit, taskById, wake } from './ctx';

export function deliverSignal(c: Ctx, target: string, signal: 'SIGKILL' | 'SIGUSR1' | 'SIGSTOP', from: string): void {
  const t = taskById(c.S, target);
  if (t.status === 'done') return;
  emit(c, from, 'signal', `${signal} → ${target}`, { target, signal });
  if (signal === 'SIGSTOP') return;
  const fatal = signal === 'SIGKILL';
  if (fatal) t.sigFatal = true;
  else t.sigNonFatal = true;
  const b = t.block;
  if (!b || t.status !== 'blocked') return;
  if (b.k === 'uffd' && signalWakesBlocked(b.state, fatal ? 'fatal' : 'nonfatal')) wake(c, t.id, fatal ? 'fatal-signal' : 'signal');
  else if (b.k === 'page' && b.killable && fatal) {
    const pl = c.S.pageLocks[b.key];
    if (pl) pl.waiters = pl.waiters.filter((w) => w.task !== t.id);
    wake(c, t.id, 'fatal-signal');
  } else if (fatal && (b.k === 'timer' || b.k === 'uffd-read' || b.k === 'io-request' || b.k === 'uffd-event') && t.frame?.kind !== 'access' && t.frame?.kind !== 'gup' && t.frame?.kind !== 'fixup') {
    // User-space sleep / read: the task dies at once.
    wake(c, t.id, 'fatal-signal');
  }
}
