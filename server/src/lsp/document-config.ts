/**
 * The language server's side of `.mmlens.json`: the effective configuration of an open document (editor settings
 * win over the file where they say something: an era other than auto, a kernel tree, a rule's level), its baseline,
 * and the diagnostics of a `.mmlens.json` document itself (each problem at its key or value).
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import { DIAGNOSTIC_SOURCE } from '../../../common/protocol';
import { ERA_AUTO, SETTINGS_SECTION, type MmLensSettings } from '../../../common/settings';
import { readBaseline, type BaselineEntry } from '../config/baseline';
import { effectiveConfig, type EffectiveConfig, type EffectiveLevel, type ExplicitSettings } from '../config/effective';
import { ConfigLoader, loadText } from '../config/load';
import { CONFIG_FILE_NAME, formatProblem } from '../config/schema';
import { relative, dirname, sep } from 'node:path';
import { statSync } from 'node:fs';

export const CONFIG_DIAGNOSTIC_CODE = 'mmlens-config';

/** True for a `.mmlens.json` document. */
export function isConfigUri(uri: string): boolean {
  return uri.replace(/[?#].*$/, '').endsWith(`/${CONFIG_FILE_NAME}`);
}

/** What the editor settings say explicitly (defaults say nothing, so the file applies). */
export function editorExplicit(s: MmLensSettings): ExplicitSettings {
  const rules: Record<string, { value: EffectiveLevel; source: string }> = {};
  for (const [id, v] of Object.entries(s.rules)) if (v !== 'default') rules[id] = { value: v, source: `editor setting ${SETTINGS_SECTION}.rules` };
  return {
    ...(s.era !== ERA_AUTO ? { era: { value: s.era, source: `editor setting ${SETTINGS_SECTION}.era` } } : {}),
    ...(s.kernelTree ? { kernelTree: { value: s.kernelTree, source: `editor setting ${SETTINGS_SECTION}.kernelTree` } } : {}),
    rules,
  };
}

/** Diagnostics of a `.mmlens.json` document's text: one per problem, at the offending key or value. */
export function configDiagnostics(text: string, path: string): Diagnostic[] {
  const l = loadText(text, path);
  return l.problems.map((p) => {
    const end = positionAfter(text, p.offset, Math.max(1, p.length));
    return {
      range: { start: { line: p.line, character: p.column }, end },
      severity: DiagnosticSeverity.Error,
      code: CONFIG_DIAGNOSTIC_CODE,
      source: DIAGNOSTIC_SOURCE,
      message: p.message,
    };
  });
}

function positionAfter(text: string, offset: number, length: number): { line: number; character: number } {
  let line = 0;
  let start = 0;
  const end = Math.min(text.length, offset + length);
  for (let k = 0; k < end; k++)
    if (text[k] === '\n') {
      line++;
      start = k + 1;
    }
  return { line, character: end - start };
}

export interface DocumentConfig {
  effective: EffectiveConfig;
  /** Baseline entries of this document (paths relative to the baseline's directory). */
  baseline?: BaselineEntry[];
  /** The config or baseline could not be used: shown on the document, never silently ignored. */
  problems: string[];
}

/** Reads configs (cached by mtime) and baselines (cached by mtime) for analysed documents. */
export class DocumentConfigs {
  private readonly loader = new ConfigLoader();
  private readonly baselines = new Map<string, { stamp: string; entries?: BaselineEntry[]; problem?: string }>();

  /** Undefined when no .mmlens.json applies: the editor settings alone decide, as without this feature. */
  forPath(path: string, settings: MmLensSettings): DocumentConfig | undefined {
    const loaded = this.loader.forFile(path);
    if (!loaded) return undefined;
    const problems: string[] = [];
    if (loaded && loaded.problems.length)
      problems.push(`${loaded.path} is invalid and not applied: ${loaded.problems.map(formatProblem).join('; ')}`);
    const effective = effectiveConfig(path, loaded?.config, editorExplicit(settings));
    problems.push(...effective.problems);
    const out: DocumentConfig = { effective, problems };
    const b = effective.baseline.value;
    if (b) {
      const r = this.baseline(b);
      if (r.problem) problems.push(r.problem);
      else {
        const rel = relative(dirname(b), path).split(sep).join('/');
        out.baseline = r.entries!.filter((e) => e.path === rel);
      }
    }
    return out;
  }

  private baseline(path: string): { entries?: BaselineEntry[]; problem?: string } {
    let stamp = 'missing';
    try {
      const st = statSync(path);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch {
      /* readBaseline reports it */
    }
    const c = this.baselines.get(path);
    if (c && c.stamp === stamp) return c;
    let v: { stamp: string; entries?: BaselineEntry[]; problem?: string };
    try {
      v = { stamp, entries: readBaseline(path).entries };
    } catch (e) {
      v = { stamp, problem: `baseline not applied: ${(e as Error).message}` };
    }
    this.baselines.set(path, v);
    return v;
  }
}

/** The one diagnostic that says the configuration could not be applied (first line of the document). */
export function configProblemDiagnostic(problems: string[]): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Warning,
    code: CONFIG_DIAGNOSTIC_CODE,
    source: DIAGNOSTIC_SOURCE,
    message: `Kernel MM Lens configuration: ${problems.join('; ')}`,
  };
}
