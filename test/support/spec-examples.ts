import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './project-root';

/**
 * The OCPI 2.2.1 spec's example files are not part of the repository: suites that check them read
 * OCPI_EXAMPLES_DIR (default ../shared/ocpi/spec-2.2.1/examples beside the project) and are
 * skipped, with this reason, when it is absent.
 */
export const OCPI_EXAMPLES_DIR = path.resolve(
  projectRoot(),
  process.env.OCPI_EXAMPLES_DIR ?? '../shared/ocpi/spec-2.2.1/examples',
);

/** false when the examples are there, else why the suites that need them are skipped. */
export const specExamplesSkip: string | false = existsSync(OCPI_EXAMPLES_DIR)
  ? false
  : `no OCPI spec examples at ${OCPI_EXAMPLES_DIR} (set OCPI_EXAMPLES_DIR to the spec's examples folder)`;

export function readSpecExample<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(OCPI_EXAMPLES_DIR, name), 'utf8')) as T;
}

/** The OCPI 2.3.0 spec's examples: OCPI_230_EXAMPLES_DIR, default ../shared/ocpi/spec-2.3.0/examples. */
export const OCPI_230_EXAMPLES_DIR = path.resolve(
  projectRoot(),
  process.env.OCPI_230_EXAMPLES_DIR ?? '../shared/ocpi/spec-2.3.0/examples',
);

export const specExamples230Skip: string | false = existsSync(OCPI_230_EXAMPLES_DIR)
  ? false
  : `no OCPI 2.3.0 spec examples at ${OCPI_230_EXAMPLES_DIR} (set OCPI_230_EXAMPLES_DIR to the spec's examples folder)`;

export function readSpecExample230<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(path.join(OCPI_230_EXAMPLES_DIR, name), 'utf8')) as T;
}
