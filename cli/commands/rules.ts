/**
 * `mmlens rules [--json]`: the rule catalogue (id, tier, severity, eras, what it finds, its fix, its page).
 */
import { RULES, ruleDocPath } from '../../server/src/rules/registry';
import { CliError, type Io } from '../io';

export function runRulesCommand(argv: string[], io: Io): number {
  const json = argv.includes('--json');
  const bad = argv.find((a) => a !== '--json');
  if (bad) throw new CliError(`rules: unknown argument ${bad} (usage: mmlens rules [--json])`);
  if (json) {
    io.stdout(
      JSON.stringify(
        RULES.map((r) => ({ id: r.id, tier: r.tier, severity: r.severity, eras: r.eras, erasText: r.erasText, title: r.title, fix: r.fixText ?? null, docs: ruleDocPath(r.id) })),
        null,
        1,
      ) + '\n',
    );
    return 0;
  }
  const w = Math.max(4, ...RULES.map((r) => r.id.length));
  io.stdout(`${'rule'.padEnd(w)}  tier  severity     eras        finds\n`);
  for (const r of RULES)
    io.stdout(`${r.id.padEnd(w)}  ${String(r.tier).padEnd(4)}  ${r.severity.padEnd(11)}  ${r.erasText.padEnd(10)}  ${r.title}${r.fixText ? ` — fix: ${r.fixText}` : ''}\n`);
  io.stdout(`\n${RULES.length} rule(s); each has a page under docs/rules/<id>.md\n`);
  return 0;
}
