// Parse issues and server notes as LSP diagnostics. Pure functions.
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver';
import { DIAGNOSTIC_SOURCE, SERVER_DIAGNOSTIC_CODES } from '../../../common/protocol';
import { SETTINGS_SECTION } from '../../../common/settings';
import type { IssueSeverity, ParseIssue } from '../series/types';
import type { PositionMapper } from './positions';

const SEVERITY: Record<IssueSeverity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
};

/** A parse issue underlines from its position to the end of that line. */
export function issueDiagnostic(issue: ParseIssue, positions: PositionMapper): Diagnostic {
  return {
    range: positions.restOfLine(issue.position),
    severity: SEVERITY[issue.severity] ?? DiagnosticSeverity.Warning,
    code: issue.code,
    source: DIAGNOSTIC_SOURCE,
    message: issue.message,
  };
}

export function tooLargeDiagnostic(byteLength: number, maxFileSize: number, range: Range): Diagnostic {
  return {
    range,
    severity: DiagnosticSeverity.Information,
    code: SERVER_DIAGNOSTIC_CODES.notAnalysedTooLarge,
    source: DIAGNOSTIC_SOURCE,
    message:
      `Not analysed: the document is ${byteLength} bytes, over the ${maxFileSize}-byte limit ` +
      `(${SETTINGS_SECTION}.maxFileSize).`,
  };
}

export function replacementCharactersDiagnostic(range: Range): Diagnostic {
  return {
    range,
    severity: DiagnosticSeverity.Information,
    code: SERVER_DIAGNOSTIC_CODES.replacementCharacters,
    source: DIAGNOSTIC_SOURCE,
    message:
      'The text contains U+FFFD replacement characters: the file is probably not UTF-8 and the editor lost the ' +
      'original bytes; reopen it with its real encoding (e.g. ISO 8859-1) for exact decoding.',
  };
}

export function internalErrorDiagnostic(message: string): Diagnostic {
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Error,
    code: SERVER_DIAGNOSTIC_CODES.internalError,
    source: DIAGNOSTIC_SOURCE,
    message: `Kernel MM Lens could not analyse this document (internal error: ${message}); see the server log.`,
  };
}
