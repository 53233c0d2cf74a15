import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './project-root';

/**
 * The OCPI 2.1.1 specification is Markdown, not part of the repository: suites that check the
 * objects it shows read OCPI_211_SPEC_DIR (default ../shared/ocpi/spec-2.1.1 beside the project)
 * and are skipped, with this reason, when it is absent.
 */
export const OCPI_211_SPEC_DIR = path.resolve(projectRoot(), process.env.OCPI_211_SPEC_DIR ?? '../shared/ocpi/spec-2.1.1');

export const specExamples211Skip: string | false = existsSync(path.join(OCPI_211_SPEC_DIR, 'mod_sessions.md'))
  ? false
  : `no OCPI 2.1.1 specification at ${OCPI_211_SPEC_DIR} (set OCPI_211_SPEC_DIR to its Markdown folder)`;

/** One ```json block of a module's Markdown: where it is, the request line before it (if any), its object. */
export interface SpecBlock211 {
  file: string;
  line: number;
  /** "PUT", "PATCH", … when the block starts with "PUT To URL: …". */
  method?: string;
  url?: string;
  // biome-ignore lint/suspicious/noExplicitAny: the test reads the JSON the spec shows
  body: any;
}

/**
 * Every ```json block of `file` that holds one whole object (a block that shows only a field,
 * `"energy_mix": {…}`, is not an object and is left out). The Markdown is read as a lenient JSON
 * reader would: a trailing comma before `}` or `]` (a typo in mod_cdrs.md's example) is dropped.
 */
export function specBlocks211(file: string): SpecBlock211[] {
  const text = readFileSync(path.join(OCPI_211_SPEC_DIR, file), 'utf8');
  const blocks: SpecBlock211[] = [];
  for (const match of text.matchAll(/```json\n([\s\S]*?)```/g)) {
    const content = match[1];
    const line = text.slice(0, match.index).split('\n').length;
    const start = content.indexOf('{');
    const head = content.slice(0, start).trim();
    if (head && !/^[A-Z]+ To URL:/.test(head)) continue;
    const request = /^([A-Z]+) To URL:\s*(\S+)/.exec(head);
    const json = content.slice(start).replace(/,(\s*[}\]])/g, '$1');
    blocks.push({
      file,
      line,
      ...(request ? { method: request[1], url: request[2] } : {}),
      body: JSON.parse(json),
    });
  }
  return blocks;
}
