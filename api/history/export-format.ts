import { HISTORY_COLUMNS, type HistoryRow } from './request-history.js';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** RFC 4180 quoting, and a leading quote for a cell a spreadsheet would run as a formula (page and ref are a caller's free text). */
function csvCell(value: HistoryRow[keyof HistoryRow]): string {
  let cell = String(value);
  if (/^[=+\-@\t\r]/.test(cell) && typeof value === 'string' && !/^\+?[0-9*#]+$/.test(cell)) cell = `'${cell}`;
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function headerLine(format: ExportFormat): string {
  return format === 'csv' ? `${HISTORY_COLUMNS.join(',')}\r\n` : '';
}

export function formatRow(format: ExportFormat, row: HistoryRow): string {
  if (format === 'ndjson') return `${JSON.stringify(row)}\n`;
  return `${HISTORY_COLUMNS.map((column) => csvCell(row[column])).join(',')}\r\n`;
}
