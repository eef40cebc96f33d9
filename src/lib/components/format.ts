import type { PatchStatus, Severity } from '$lib/core';

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info'
};

/** Shapes carry the level for people who cannot tell the colours apart. */
export const SEVERITY_SHAPE: Record<Severity, string> = {
  critical: '◆',
  high: '▲',
  medium: '●',
  low: '■',
  info: '○'
};

export const STATUS_LABEL: Record<PatchStatus, string> = {
  'up-to-date': 'Up to date',
  behind: 'Behind',
  unknown: 'Unknown',
  'not-applicable': 'Not checked'
};

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

const grouped = new Intl.NumberFormat('en-US');

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${grouped.format(n)} ${n === 1 ? one : many}`;
}
