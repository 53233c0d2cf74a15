import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** One row of an import file: its line number, and the Token object it holds or why it holds none. */
export type TokenFileRow = { line: number; token: Record<string, unknown> } | { line: number; errors: string[] };

const BOOLEAN_FIELDS = new Set(['valid']);

/**
 * The rows of a token file, read line by line (a 100,000-token file is never held in memory):
 * NDJSON (one Token object a line) or CSV (a header row of Token field names, then one token a
 * line; `energy_contract.supplier_name` and `energy_contract.contract_id` columns fill the nested
 * object; quoted fields as RFC 4180, but no line breaks inside them). Blank lines are skipped.
 */
export async function* readTokenFile(file: string, format: 'csv' | 'ndjson'): AsyncGenerator<TokenFileRow> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let header: string[] | undefined;
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    if (format === 'ndjson') {
      try {
        const value = JSON.parse(text);
        if (!value || typeof value !== 'object' || Array.isArray(value)) yield { line, errors: ['not a JSON object'] };
        else yield { line, token: value };
      } catch (error) {
        yield { line, errors: [`malformed JSON: ${(error as Error).message}`] };
      }
      continue;
    }
    const cells = splitCsvLine(text);
    if (!cells) {
      yield { line, errors: ['malformed CSV: an unterminated quoted field'] };
      continue;
    }
    if (!header) {
      header = cells.map((cell) => cell.trim());
      continue;
    }
    if (cells.length !== header.length) {
      yield { line, errors: [`${cells.length} fields where the header has ${header.length}`] };
      continue;
    }
    yield { line, token: csvToken(header, cells) };
  }
}

function csvToken(header: string[], cells: string[]): Record<string, unknown> {
  const token: Record<string, unknown> = {};
  header.forEach((name, i) => {
    const cell = cells[i];
    if (cell === '') return;
    const nested = /^energy_contract\.(.+)$/.exec(name);
    if (nested) {
      token.energy_contract = { ...(token.energy_contract as object), [nested[1]]: cell };
      return;
    }
    token[name] = BOOLEAN_FIELDS.has(name) ? (cell === 'true' ? true : cell === 'false' ? false : cell) : cell;
  });
  return token;
}

/** One CSV line's fields; undefined when a quoted field does not end on the line. */
export function splitCsvLine(text: string): string[] | undefined {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let cell = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) return undefined;
        cell += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          cell += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      cells.push(cell);
    } else {
      const comma = text.indexOf(',', i);
      cells.push(text.slice(i, comma < 0 ? text.length : comma));
      i = comma < 0 ? text.length : comma;
    }
    if (i >= text.length) return cells;
    if (text[i] !== ',') return undefined;
    i++;
    if (i === text.length) {
      cells.push('');
      return cells;
    }
  }
}
