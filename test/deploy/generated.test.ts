// The per-module parts of deploy/compose and deploy/k8s come from the module descriptors
// (tools/deploy-generate.ts): the committed files must be what the generator writes, and a new
// descriptor must be all it takes to get a service and its routes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { defineModule, type ModuleDescriptor } from '@roamledger/module-kit';
import { ROAMLEDGER_MODULES } from '@roamledger/modules';
import { renderDeployFiles } from '../../tools/deploy-generate';
import { projectRoot } from '../support/project-root';
import { parseYamlDocuments, type YamlValue } from './yaml-subset';

const root = projectRoot();

type Obj = { [key: string]: YamlValue };
const at = (value: YamlValue | undefined, ...keys: (string | number)[]): YamlValue | undefined =>
  keys.reduce<YamlValue | undefined>((v, key) => (v && typeof v === 'object' ? (v as Obj)[key as string] : undefined), value);

class ChargingProfilesModule {}
const chargingprofiles = defineModule({
  name: 'chargingprofiles',
  description: 'OCPI ChargingProfiles receiver (eMSP)',
  nestModule: ChargingProfilesModule,
  routes: ['ocpi/emsp/2.2.1/chargingprofiles'],
});

describe('deploy manifests generated from the module descriptors', () => {
  test('the committed manifests are what `npm run deploy:generate` writes', () => {
    const files = renderDeployFiles(ROAMLEDGER_MODULES);
    assert.deepEqual(Object.keys(files).sort(), [
      'deploy/compose/compose.yaml',
      'deploy/compose/nginx.conf',
      'deploy/k8s/apps.yaml',
      'deploy/k8s/ingress.yaml',
    ]);
    for (const [file, content] of Object.entries(files)) {
      const committed = readFileSync(path.join(root, file), 'utf8');
      assert.ok(committed === content, `${file} differs from what the generator writes: run npm run deploy:generate`);
    }
  });

  test('one more descriptor is one more service in compose and Kubernetes, and its route in the proxy and the ingress', () => {
    const before = renderDeployFiles(ROAMLEDGER_MODULES);
    const after = renderDeployFiles([...ROAMLEDGER_MODULES, chargingprofiles]);

    const [compose] = parseYamlDocuments(after['deploy/compose/compose.yaml'], 'compose.yaml');
    assert.deepEqual(at(compose, 'services', 'chargingprofiles', 'command'), [
      'node',
      '-r',
      './tsconfig-paths-dist.js',
      'dist/apps/chargingprofiles/main.js',
    ]);
    assert.equal(at(compose, 'services', 'chargingprofiles', 'environment', 'KAFKA_CLIENT_ID'), 'chargingprofiles');
    assert.ok(
      (at(compose, 'services', 'proxy', 'depends_on') as YamlValue[]).includes('chargingprofiles'),
      'the proxy waits for it',
    );
    for (const kept of ['kurrentdb', 'postgres', 'kafka']) {
      assert.deepEqual(
        at(compose, 'services', kept),
        at(parseYamlDocuments(before['deploy/compose/compose.yaml'])[0], 'services', kept),
      );
    }

    const nginx = after['deploy/compose/nginx.conf'];
    assert.match(nginx, /^upstream chargingprofiles \{ server chargingprofiles:3000; \}$/m);
    assert.match(nginx, /^ {2}location \/ocpi\/emsp\/2\.2\.1\/chargingprofiles \{ proxy_pass http:\/\/chargingprofiles; \}$/m);

    const apps = parseYamlDocuments(after['deploy/k8s/apps.yaml'], 'apps.yaml');
    const named = (kind: string) =>
      apps.find((doc) => at(doc, 'kind') === kind && at(doc, 'metadata', 'name') === 'chargingprofiles');
    assert.equal(at(named('Service'), 'spec', 'selector', 'app'), 'chargingprofiles');
    assert.equal(at(named('Deployment'), 'spec', 'replicas'), 2, 'two replicas unless the descriptor says otherwise');
    assert.equal(
      at(named('Deployment'), 'spec', 'template', 'spec', 'containers', 0, 'command', 3),
      'dist/apps/chargingprofiles/main.js',
    );
    assert.equal(apps.length, parseYamlDocuments(before['deploy/k8s/apps.yaml']).length + 2);

    const [ingress] = parseYamlDocuments(after['deploy/k8s/ingress.yaml'], 'ingress.yaml');
    const paths = at(ingress, 'spec', 'rules', 0, 'http', 'paths') as YamlValue[];
    const route = paths.find((p) => at(p, 'path') === '/ocpi/emsp/2.2.1/chargingprofiles');
    assert.equal(at(route, 'backend', 'service', 'name'), 'chargingprofiles');
  });

  test("a descriptor's replicas and its reason reach the Deployment", () => {
    const single = { ...chargingprofiles, replicas: { count: 1, why: 'One builds the read model.' } };
    const apps = renderDeployFiles([single])['deploy/k8s/apps.yaml'];
    assert.match(apps, /^ {2}# One builds the read model\.\n {2}replicas: 1$/m);
    const deployment = parseYamlDocuments(apps).find((doc) => at(doc, 'kind') === 'Deployment');
    assert.equal(at(deployment, 'spec', 'replicas'), 1);
  });

  test('refuses what the manifests cannot express', () => {
    const twice: ModuleDescriptor = { ...chargingprofiles, name: 'chargingprofiles-copy' };
    assert.throws(
      () => renderDeployFiles([chargingprofiles, twice]),
      /ocpi\/emsp\/2\.2\.1\/chargingprofiles is declared by chargingprofiles and chargingprofiles-copy/,
    );
    assert.throws(() => renderDeployFiles([{ ...chargingprofiles, name: 'ChargingProfiles' }]), /not a DNS label/);
    assert.throws(() => renderDeployFiles([{ ...chargingprofiles, routes: ['/ocpi/chargingprofiles'] }]), /is no path/);
    assert.throws(() => renderDeployFiles([{ ...chargingprofiles, description: 'two\nlines' }]), /one line/);
  });
});
