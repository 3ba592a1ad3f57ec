/**
 * What the VS Code status bar shows for the active document's era (mmLens/documentInfo) and what its quick pick
 * offers. Pure (no `vscode` import) so it is tested without an editor; client/src/era-status.ts draws it.
 */
import type { DocumentEraInfo, EraSourceKind } from './protocol';
import { NEWEST_ERA, formatEra } from './era';
import { ERA_AUTO, isValidEraSetting } from './settings';

/** Long-term-support kernels and the newest era: the "common versions" of the picker. */
export const COMMON_ERAS: readonly string[] = ['4.19', '5.4', '5.10', '5.15', '6.1', '6.6', '6.12', formatEra(NEWEST_ERA)];

const SOURCE_WORD: Record<EraSourceKind, string> = {
  setting: 'setting',
  makefile: 'Makefile',
  'patch-hints': 'hints',
  default: 'default',
};

/** "3.18–5.7" for a range, "6.8" for one era. */
export function eraRangeText(info: DocumentEraInfo): string {
  return info.range.from === info.range.to ? info.era : `${info.range.from}–${info.range.to}`;
}

/** The status bar text: "MM era 6.8 (Makefile)", "MM era 3.18–5.7 (hints)"; "MM era: not analysed" without info. */
export function eraStatusText(info: DocumentEraInfo | undefined): string {
  if (!info) return 'MM era: not analysed';
  return `MM era ${eraRangeText(info)} (${SOURCE_WORD[info.sourceKind]})`;
}

/** The hover of the status bar item: the era, its full source, and what a click does. */
export function eraStatusTooltip(info: DocumentEraInfo | undefined, folder: string | undefined): string {
  const what = info
    ? `Kernel MM Lens: era ${eraRangeText(info)} from ${info.source}` +
      (info.range.from !== info.range.to ? ` (rules fire only when every era of the range agrees; analysed as ${info.era})` : '')
    : 'Kernel MM Lens: this document has not been analysed (too large, or not C, patch or mbox)';
  return `${what}. Click to set kernelMmLens.era${folder ? ` for the folder ${folder}` : ''}.`;
}

export interface EraPickItem {
  label: string;
  description?: string;
  /** The setting value the item writes; undefined for "type one". */
  value?: string;
}

export const TYPE_ERA_LABEL = 'Type a version…';

/** auto, the detected range's ends, the common versions and "type one"; the current setting marked. */
export function eraPickItems(info: DocumentEraInfo | undefined, current: string): EraPickItem[] {
  const items: EraPickItem[] = [{ label: ERA_AUTO, description: 'Makefile of the tree, hints in the code, or the newest era', value: ERA_AUTO }];
  const seen = new Set<string>([ERA_AUTO]);
  const add = (value: string, description: string) => {
    if (seen.has(value)) return;
    seen.add(value);
    items.push({ label: value, description, value });
  };
  if (info) {
    if (info.range.from !== info.range.to) {
      add(info.range.from, `lower end of the detected range (${info.source})`);
      add(info.range.to, `upper end of the detected range (${info.source})`);
    } else if (info.sourceKind !== 'setting') {
      add(info.era, `detected: ${info.source}`);
    }
  }
  for (const e of COMMON_ERAS) add(e, e === COMMON_ERAS[COMMON_ERAS.length - 1] ? 'newest era the rules know' : 'long-term kernel');
  items.push({ label: TYPE_ERA_LABEL, description: 'e.g. 5.6 or v6.4' });
  for (const i of items) if (i.value === current) i.description = `current setting · ${i.description ?? ''}`;
  return items;
}

/** Validates what the user typed: undefined when acceptable, else the message to show. */
export function validateTypedEra(text: string): string | undefined {
  const t = text.trim();
  return isValidEraSetting(t) ? undefined : 'Use "auto" or a kernel version such as 6.8, v5.10 or 6.4.1.';
}
