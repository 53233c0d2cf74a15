// The module kit's rules, checked over the sources: which library may import which, what a pure
// decider may load, what an app may import, and that every module has a descriptor and an app.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { ModuleDescriptor } from '@roamledger/module-kit';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';
import { projectRoot } from '../support/project-root';

const root = projectRoot();

/** Libraries that are capabilities, not modules: they have no descriptor. */
const CAPABILITY_LIBS = [
  'audit',
  'console',
  'event-store',
  'kernel',
  'messaging',
  'module-kit',
  'modules',
  'ocpi',
  'ocpi-transport',
  'pricing',
  'projections',
  'service',
];

/** Apps that are commands or the all-in-one hub, not one module's service. */
const COMMAND_APPS: Record<string, string[]> = {
  hub: [],
  audit: ['@roamledger/audit'],
  cli: ['@roamledger/credentials', '@roamledger/tokens'],
};

interface Import {
  specifier: string;
  typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const source = readFileSync(file, 'utf8');
  const found: Import[] = [];
  const statement = /^(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'([^']+)';/gms;
  for (const match of source.matchAll(statement)) {
    const typeOnly = Boolean(match[2]) || /^import\s+\{\s*(?:type\s+[^,}]+,?\s*)+\}/.test(match[0]);
    found.push({ specifier: match[3], typeOnly });
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const libName = (specifier: string) => /^@roamledger\/([^/]+)/.exec(specifier)?.[1];

/** Which library exports each descriptor (found by loading every library's index). */
function descriptorLibs(): Map<ModuleDescriptor, string> {
  const byDescriptor = new Map<ModuleDescriptor, string>();
  for (const lib of readdirSync(path.join(root, 'libs'))) {
    const exported = require(`@roamledger/${lib}`) as Record<string, unknown>;
    for (const value of Object.values(exported)) {
      if (ROAMLEDGER_MODULES.includes(value as ModuleDescriptor)) byDescriptor.set(value as ModuleDescriptor, lib);
    }
  }
  return byDescriptor;
}

describe('module kit rules', () => {
  const libs = readdirSync(path.join(root, 'libs'));
  const owners = descriptorLibs();

  test('every library is a capability or has a descriptor, and every descriptor an app and a nest-cli project', () => {
    const moduleLibs = new Set(owners.values());
    for (const lib of libs) {
      assert.ok(CAPABILITY_LIBS.includes(lib) || moduleLibs.has(lib), `libs/${lib} is a module library without a descriptor`);
    }
    const projects = JSON.parse(readFileSync(path.join(root, 'nest-cli.json'), 'utf8')).projects as Record<string, unknown>;
    for (const module of ROAMLEDGER_MODULES) {
      assert.ok(owners.has(module), `descriptor ${module.name} is not exported by any library`);
      assert.ok(
        existsSync(path.join(root, 'apps', module.name, 'main.ts')),
        `descriptor ${module.name} has no apps/${module.name}/main.ts`,
      );
      assert.ok(projects[module.name], `nest-cli.json has no project ${module.name}`);
    }
    for (const app of readdirSync(path.join(root, 'apps'))) {
      const known = app in COMMAND_APPS || ROAMLEDGER_MODULES.some((module) => module.name === app);
      assert.ok(known, `apps/${app} is neither a command app nor a module with a descriptor`);
    }
  });

  test('no OCPI module library imports another', () => {
    // OCPI modules are the libraries whose descriptors offer endpoints; billing and pull consume them.
    const ocpiModuleLibs = new Set([...owners].filter(([module]) => module.endpoints?.length).map(([, lib]) => lib));
    assert.ok(ocpiModuleLibs.size >= 3);
    for (const lib of ocpiModuleLibs) {
      for (const file of sourceFiles(path.join(root, 'libs', lib))) {
        for (const { specifier } of importsOf(file)) {
          const other = libName(specifier);
          assert.ok(
            !other || other === lib || !ocpiModuleLibs.has(other),
            `${path.relative(root, file)} imports ${specifier}: OCPI modules meet through ports, not imports`,
          );
        }
      }
    }
  });

  test('a decider imports only the kernel and the OCPI model', () => {
    const deciders = libs.flatMap((lib) =>
      sourceFiles(path.join(root, 'libs', lib)).filter(
        (file) => file.endsWith('.decider.ts') || file.endsWith('credentials-token.ts'),
      ),
    );
    assert.ok(deciders.length >= 4);
    for (const decider of deciders) {
      const seen = new Set<string>();
      const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        for (const { specifier, typeOnly } of importsOf(file)) {
          if (specifier.startsWith('.')) {
            if (!typeOnly) visit(`${path.resolve(path.dirname(file), specifier)}.ts`);
            continue;
          }
          const allowed =
            specifier.startsWith('node:') ||
            specifier === '@roamledger/kernel' ||
            specifier === '@roamledger/ocpi/values' ||
            (typeOnly && specifier === '@roamledger/ocpi');
          assert.ok(allowed, `${path.relative(root, file)} (under ${path.basename(decider)}) imports ${specifier}`);
        }
      };
      visit(decider);
    }
  });

  test('the pricing engine imports only the kernel and the OCPI model (it is pure: no I/O, no framework)', () => {
    const files = sourceFiles(path.join(root, 'libs', 'pricing'));
    assert.ok(files.length >= 2);
    for (const file of files) {
      for (const { specifier, typeOnly } of importsOf(file)) {
        const allowed =
          specifier.startsWith('./') ||
          specifier === '@roamledger/kernel' ||
          specifier === '@roamledger/ocpi/values' ||
          (typeOnly && specifier === '@roamledger/ocpi');
        assert.ok(allowed, `${path.relative(root, file)} imports ${specifier}`);
      }
    }
  });

  test('an app imports only the module kit, the service kit and its own library', () => {
    for (const app of readdirSync(path.join(root, 'apps'))) {
      const own = COMMAND_APPS[app] ?? [];
      for (const file of sourceFiles(path.join(root, 'apps', app))) {
        for (const { specifier } of importsOf(file)) {
          if (!specifier.startsWith('@roamledger/')) continue;
          const allowed = ['@roamledger/modules', '@roamledger/service', ...own].includes(specifier);
          assert.ok(allowed, `apps/${app}/${path.basename(file)} imports ${specifier}`);
        }
      }
    }
  });

  test('loading a compiled decider loads fewer than 40 modules', () => {
    const compiled = libs.flatMap((lib) => {
      const dir = path.join(root, 'dist', 'libs', lib, 'src');
      return existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.endsWith('.decider.js'))
            .map((f) => path.join(dir, f))
        : [];
    });
    assert.ok(compiled.length >= 4, 'no compiled deciders: build first');
    for (const file of compiled) {
      // A fresh process: this one has loaded everything already.
      const count = execFileSync(
        process.execPath,
        [
          '-r',
          path.join(root, 'tsconfig-paths-dist.js'),
          '-e',
          `const before = Object.keys(require.cache).length; require(${JSON.stringify(file)}); console.log(Object.keys(require.cache).length - before)`,
        ],
        { encoding: 'utf8' },
      );
      assert.ok(Number(count) < 40, `${path.relative(root, file)} loads ${count.trim()} modules`);
      assert.ok(Number(count) > 0);
    }
  });
});
