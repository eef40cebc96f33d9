import type { PatchGap, RemediationWave } from '../model';

/**
 * The remediation plan as CSV for a spreadsheet: one row per wave, machine and gap. RFC 4180 (CRLF rows, quoted
 * cells where needed, quotes doubled), and cells a spreadsheet would run as a formula are defused.
 * @see https://www.rfc-editor.org/rfc/rfc4180
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */

export const PLAN_CSV_HEADER = [
  'Wave',
  'Wave name',
  'Start',
  'End',
  'Host',
  'Gap',
  'Kind',
  'Priority',
  'Due date',
  'Misses due date'
] as const;

/**
 * One cell: text from a scanner or a host name can start with "=", "+", "-" or "@" (or a tab or carriage return),
 * which Excel and LibreOffice would evaluate; a leading single quote makes it plain text. Then RFC 4180 quoting.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function row(cells: string[]): string {
  return cells.map(csvCell).join(',');
}

/** "2026-05-12T18:00" → "2026-05-12 18:00", which spreadsheets read as a date and time. */
function localText(local: string): string {
  return local.replace('T', ' ');
}

/**
 * The plan as CSV text (CRLF line ends, header first). `hostnames` maps asset id → host name; a missing one falls
 * back to the gap's host name, then the asset id. "Misses due date" is "yes" when the wave ends after the gap's due
 * date, "no" when it does not, empty when the gap has no calendar deadline. A machine of a locked wave with nothing
 * left to install keeps one row with empty gap cells; a gap id not found in `gaps` keeps its row with the id as the
 * gap.
 */
export function planToCsv(
  waves: RemediationWave[],
  gaps: PatchGap[],
  hostnames: Map<string, string>
): string {
  const byId = new Map<string, PatchGap>();
  for (const g of gaps) byId.set(g.id, g);
  const lines: string[] = [row([...PLAN_CSV_HEADER])];
  for (const w of waves) {
    const endDate = w.end.slice(0, 10);
    const wave = [w.id, w.name, localText(w.start), localText(w.end)];
    const seen = new Set<string>();
    for (const gapId of w.gapIds) {
      const g = byId.get(gapId);
      if (!g) {
        lines.push(row([...wave, '', gapId, '', '', '', '']));
        continue;
      }
      seen.add(g.assetId);
      const host = hostnames.get(g.assetId) ?? (g.hostname || g.assetId);
      const due = g.priority.dueDate;
      const missed = due ? (endDate > due ? 'yes' : 'no') : '';
      lines.push(row([...wave, host, g.title, g.kind, g.priority.label, due ?? '', missed]));
    }
    for (const assetId of w.assetIds) {
      if (seen.has(assetId)) continue;
      lines.push(row([...wave, hostnames.get(assetId) ?? assetId, '', '', '', '', '']));
    }
  }
  return lines.join('\r\n') + '\r\n';
}
