/**
 * `mmlens config --explain <file> [flags]`: the effective configuration of one file, each value with where it came
 * from (the catalogue, a line of .mmlens.json, a flag). `mmlens config --check [FILE]` validates a config file.
 */
import { resolve } from 'node:path';
import { effectiveConfig, type ExplicitSettings } from '../../server/src/config/effective';
import { ConfigLoader } from '../../server/src/config/load';
import { formatProblem } from '../../server/src/config/schema';
import { RULES } from '../../server/src/rules/registry';
import { CliError, type Io } from '../io';
import { parseEra } from '../../common/era';

export const CONFIG_USAGE = `usage: mmlens config --explain <file> [--config FILE] [--era X.Y] [--tree DIR] [--tier N] [--rules IDS] [--disable IDS]
       mmlens config --check <.mmlens.json>

  --explain   the effective configuration of <file> (the nearest .mmlens.json above it, under the flags given),
              each value with where it came from
  --check     validate a configuration file (file:line:col: message for each problem; exit 2 when invalid)
`;

export function runConfigCommand(argv: string[], io: Io): number {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    io.stdout(CONFIG_USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  let mode: 'explain' | 'check' | undefined;
  let target: string | undefined;
  let config: string | undefined;
  const ex: ExplicitSettings = {};
  const ids = (v: string, flag: string): string[] => {
    const list = v.split(',').map((x) => x.trim()).filter(Boolean);
    const bad = list.filter((id) => !RULES.some((r) => r.id === id));
    if (bad.length) throw new CliError(`${flag}: unknown rule ${bad.join(', ')} (see 'mmlens rules')`);
    return list;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new CliError(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--explain':
      case '--check':
        mode = arg === '--explain' ? 'explain' : 'check';
        target = value();
        break;
      case '--config':
        config = value();
        break;
      case '--era': {
        const v = value();
        try {
          parseEra(v);
        } catch (e) {
          throw new CliError(`--era: ${(e as Error).message}`);
        }
        ex.era = { value: v, source: '--era' };
        break;
      }
      case '--tree':
        ex.kernelTree = { value: resolve(value()), source: '--tree' };
        break;
      case '--tier': {
        const n = Number(value());
        if (n !== 1 && n !== 2 && n !== 3) throw new CliError('--tier takes 1, 2 or 3');
        ex.tier = { value: n, source: '--tier' };
        break;
      }
      case '--rules':
        ex.only = { value: ids(value(), '--rules'), source: '--rules' };
        break;
      case '--disable':
        ex.disable = { value: ids(value(), '--disable'), source: '--disable' };
        break;
      default:
        throw new CliError(`config: unknown option ${arg} (see 'mmlens config --help')`);
    }
  }
  if (!mode || !target) throw new CliError("config: say --explain <file> or --check <.mmlens.json> (see 'mmlens config --help')");
  const loader = new ConfigLoader();
  if (mode === 'check') {
    const l = loader.load(target);
    for (const p of l.problems) io.stderr(`${formatProblem(p)}\n`);
    if (l.problems.length) return 2;
    io.stdout(`${l.path}: valid\n`);
    return 0;
  }
  const loaded = config ? loader.load(config) : loader.forFile(target);
  if (loaded?.problems.length) {
    for (const p of loaded.problems) io.stderr(`${formatProblem(p)}\n`);
    return 2;
  }
  const eff = effectiveConfig(resolve(target), loaded?.config, ex);
  for (const p of eff.problems) io.stderr(`${p}\n`);
  const lines: string[] = [];
  lines.push(`file:        ${resolve(target)}`);
  lines.push(`config:      ${eff.configPath ?? `none (no .mmlens.json at or above ${resolve(target, '..')})`}`);
  if (eff.skipped) lines.push(`skipped:     yes, by "${eff.skipped.value}" (${eff.skipped.source})`);
  lines.push(`era:         ${eff.era.value ?? 'auto'}    ← ${eff.era.source}`);
  lines.push(`kernelTree:  ${eff.kernelTree.value ?? '(none)'}    ← ${eff.kernelTree.source}`);
  lines.push(`baseline:    ${eff.baseline.value ?? '(none)'}    ← ${eff.baseline.source}`);
  lines.push('rules:');
  const w = Math.max(...RULES.map((r) => r.id.length));
  for (const r of RULES) {
    const v = eff.rules[r.id]!;
    lines.push(`  ${r.id.padEnd(w)}  ${v.value.padEnd(11)}  ← ${v.source}`);
  }
  const fnOverrides = loaded?.config?.overrides.filter((o) => o.functions) ?? [];
  if (fnOverrides.length) lines.push(`function overrides (applied per finding): ${fnOverrides.map((o) => `${o.functions!.map((g) => g.pattern).join(', ')} at ${o.at}`).join('; ')}`);
  io.stdout(lines.join('\n') + '\n');
  return eff.problems.length ? 2 : 0;
}
