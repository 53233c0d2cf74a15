import { existsSync } from 'node:fs';
import path from 'node:path';

/** The folder holding package.json, found from wherever this file was compiled to. */
export function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}
