/** CSV as spreadsheets read it (RFC 4180): a cell with a comma, quote or line break is quoted. */
export const csvCell = (value: string | number | boolean | null | undefined): string => {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR at its start) is kept as
 * text with a leading apostrophe: report values come from data others typed.
 */
export const safeCsvCell = (value: string | number | boolean | null | undefined): string =>
  typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? csvCell(`'${value}`) : csvCell(value);

export const csvLine = (cells: readonly (string | number | boolean | null | undefined)[], cell = csvCell): string => cells.map(cell).join(',');
