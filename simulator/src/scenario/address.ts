/** Address specs: a number, "0x…" hex, or "vma+N" (page N of the VMA named vma, "vma" alone = page 0). */

export const PAGE = 4096;

export function parseAddressSpec(a: number | string): { vma: string; page: number; offset: number } | { abs: number } | null {
  if (typeof a === 'number') return Number.isInteger(a) && a >= 0 ? { abs: a } : null;
  const s = a.trim();
  if (/^0x[0-9a-f]+$/i.test(s)) return { abs: parseInt(s, 16) };
  if (/^\d+$/.test(s)) return { abs: Number(s) };
  const m = /^([A-Za-z_][\w-]*)(?:\+(\d+))?(?:\.(\d+))?$/.exec(s);
  if (!m) return null;
  return { vma: m[1], page: m[2] ? Number(m[2]) : 0, offset: m[3] ? Number(m[3]) : 0 };
}

export function resolveAddress(a: number | string, vmaStarts: Record<string, number>): number {
  const p = parseAddressSpec(a);
  if (!p) throw new Error(`bad address ${JSON.stringify(a)}`);
  if ('abs' in p) return p.abs;
  const base = vmaStarts[p.vma];
  if (base === undefined) throw new Error(`unknown vma ${p.vma} in address ${JSON.stringify(a)}`);
  return base + p.page * PAGE + p.offset;
}
