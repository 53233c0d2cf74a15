import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One file the console serves: its bytes (read once at start), type and entity tag. */
export interface ConsoleAsset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * The browser libraries, served from node_modules under fixed names (no CDN, no build step): the
 * page's import map names these URLs. A closed list, so no request path ever reaches the disk.
 */
const VENDOR: Record<string, [pkg: string, file: string]> = {
  'preact.mjs': ['preact', 'dist/preact.mjs'],
  'preact-hooks.mjs': ['preact', 'hooks/dist/hooks.mjs'],
  'htm.mjs': ['htm', 'dist/htm.mjs'],
  'htm-preact.mjs': ['htm', 'preact/index.mjs'],
  'chart.umd.min.js': ['chart.js', 'dist/chart.umd.min.js'],
};

/** The console's own files (libs/console/web). */
const WEB = ['index.html', 'console.css', 'console.js', 'format.js', 'api.js', 'pages.js', 'audit-pages.js', 'widgets.js'];

function packageDir(pkg: string): string {
  const entry = require.resolve(pkg);
  const marker = `${path.sep}node_modules${path.sep}${pkg}${path.sep}`;
  return entry.slice(0, entry.lastIndexOf(marker) + marker.length);
}

function webDir(): string {
  // dist/libs/console/src or libs/console/src: the sources' web folder either way.
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'libs', 'console', 'web');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`libs/console/web not found above ${__dirname}`);
  }
}

function asset(file: string): ConsoleAsset {
  const body = readFileSync(file);
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return { body, type, etag };
}

/** Every file of the console, by the path it is served at below /console/. */
export function loadConsoleAssets(): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  const web = webDir();
  for (const name of WEB) assets.set(name, asset(path.join(web, name)));
  for (const [name, [pkg, file]] of Object.entries(VENDOR)) assets.set(`vendor/${name}`, asset(path.join(packageDir(pkg), file)));
  return assets;
}
