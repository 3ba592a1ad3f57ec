/**
 * The time → x mapping of the timeline. Linear, or "compressed": long stretches without any event (a 2 ms
 * network fetch between two 1 µs faults) are squeezed to a fixed short width and drawn as a break, so the
 * interesting part of the run stays readable. All uncompressed stretches share one px/µs, so durations inside
 * them stay comparable; ticks are placed only there, plus one at the end of each break.
 */
import { fmtTime, type TimeUnit, unitFor } from './common';

export type ScaleMode = 'compressed' | 'linear';

interface Piece {
  t0: number;
  t1: number;
  v0: number;
  v1: number;
  compressed: boolean;
}

export interface TimeBreak {
  t0: number;
  t1: number;
  x0: number;
  x1: number;
}

export interface Tick {
  t: number;
  x: number;
  label: string;
}

export class TimeScale {
  readonly unit: TimeUnit;
  private readonly k: number;

  private constructor(
    private readonly pieces: Piece[],
    readonly end: number,
    readonly x0: number,
    readonly x1: number,
  ) {
    const total = pieces.length ? pieces[pieces.length - 1].v1 : 1;
    this.k = (x1 - x0) / (total > 0 ? total : 1);
    this.unit = unitFor(end);
  }

  /**
   * @param times event times (any order, duplicates fine)
   * @param end last time of the domain (≥ every time)
   */
  static build(times: number[], end: number, x0: number, x1: number, mode: ScaleMode = 'compressed'): TimeScale {
    const span = Math.max(end, 1);
    const uniq = [...new Set([0, ...times.filter((t) => t >= 0 && t <= span), span])].sort((a, b) => a - b);
    const cap = span * 0.04;
    const threshold = span * 0.15;
    // Compress only when drawing linearly would crowd distinct event times closer than a few pixels.
    let minGap = Infinity;
    for (let i = 1; i < uniq.length - 1; i++) minGap = Math.min(minGap, uniq[i] - uniq[i - 1]);
    if (mode === 'compressed' && minGap * ((x1 - x0) / span) >= 6) mode = 'linear';
    const pieces: Piece[] = [];
    let v = 0;
    for (let i = 1; i < uniq.length; i++) {
      const t0 = uniq[i - 1];
      const t1 = uniq[i];
      const gap = t1 - t0;
      const compressed = mode === 'compressed' && gap > threshold;
      const w = compressed ? cap : gap;
      const last = pieces[pieces.length - 1];
      if (last && !last.compressed && !compressed) {
        last.t1 = t1;
        last.v1 += w;
      } else {
        pieces.push({ t0, t1, v0: v, v1: v + w, compressed });
      }
      v += w;
    }
    if (pieces.length === 0) pieces.push({ t0: 0, t1: span, v0: 0, v1: span, compressed: false });
    return new TimeScale(pieces, span, x0, x1);
  }

  x(t: number): number {
    const ps = this.pieces;
    if (t <= ps[0].t0) return this.x0;
    // Binary search for the piece containing t.
    let lo = 0;
    let hi = ps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (ps[mid].t0 <= t) lo = mid;
      else hi = mid - 1;
    }
    const p = ps[lo];
    if (t >= p.t1) return this.x0 + p.v1 * this.k;
    const f = p.t1 > p.t0 ? (t - p.t0) / (p.t1 - p.t0) : 0;
    return this.x0 + (p.v0 + f * (p.v1 - p.v0)) * this.k;
  }

  /** Pixels per µs in the uncompressed stretches. */
  get pxPerUs(): number {
    return this.k;
  }

  breaks(): TimeBreak[] {
    return this.pieces
      .filter((p) => p.compressed)
      .map((p) => ({ t0: p.t0, t1: p.t1, x0: this.x0 + p.v0 * this.k, x1: this.x0 + p.v1 * this.k }));
  }

  ticks(minPx = 70): Tick[] {
    const step = niceStep(minPx / this.k);
    const out: Tick[] = [];
    const push = (t: number): void => {
      const x = this.x(t);
      const prev = out[out.length - 1];
      if (prev && x - prev.x < minPx * 0.6) return;
      out.push({ t, x, label: fmtTime(t, this.unit) });
    };
    for (const p of this.pieces) {
      if (p.compressed) {
        continue;
      }
      // First tick of the piece: its start if it follows a break (so the jump is labelled), else multiples of step.
      if (p.t0 > 0) push(p.t0);
      for (let t = Math.ceil(p.t0 / step) * step; t <= p.t1 + 1e-9; t += step) {
        push(Math.round(t * 1e6) / 1e6);
      }
    }
    // A run that ends in a break gets a tick at its end, so the reader sees how long it was.
    const last = this.pieces[this.pieces.length - 1];
    if (last.compressed) {
      const prev = out[out.length - 1];
      if (prev && this.x(last.t1) - prev.x < minPx * 0.6) out.pop();
      out.push({ t: last.t1, x: this.x(last.t1), label: fmtTime(last.t1, this.unit) });
    }
    return out;
  }
}

/** 1, 2 or 5 × 10^k, ≥ raw. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
