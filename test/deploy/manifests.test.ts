// The compose file and Kubernetes manifests of service mode cannot be started here (no Docker
// engine), so they are checked against the code: every app they run exists, every variable they
// set is one the code reads and loadConfig accepts, every port, service, volume and secret they
// name is declared, and the proxy and the ingress send each path to the service whose module
// descriptor declares it, whose Nest modules serve it.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { DynamicModule } from '@nestjs/common';
import { MODULE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { PARTNER_TOKEN_KEY_FILE, PartnersModule } from '@roamledger/credentials';
import { ROAMLEDGER_MODULES, serviceModule } from '@roamledger/modules';
import { loadConfig } from '@roamledger/service';
import { projectRoot } from '../support/project-root';
import { parseYamlDocuments, type YamlValue } from './yaml-subset';

const root = projectRoot();
const read = (...parts: string[]) => readFileSync(path.join(root, ...parts), 'utf8');

/** The module apps that run as services, one per descriptor (hub: all in one; cli and audit: commands). */
const SERVICE_APPS = ROAMLEDGER_MODULES.map((module) => module.name);

/** Each public path and the app that must receive it: the one whose descriptor declares it. */
const ROUTES = ROAMLEDGER_MODULES.flatMap((module) => module.routes.map((route) => ({ path: `/${route}`, app: module.name })));

/** Every variable the code reads: loadConfig's, plus the documented ones in .env.example. */
const KNOWN_ENV = new Set([
  ...[...read('libs/service/src/config.ts').matchAll(/value\('([A-Z0-9_]+)'\)/g)].map((m) => m[1]),
  ...[...read('.env.example').matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]),
]);

type Obj = { [key: string]: YamlValue };
const obj = (value: YamlValue | undefined, what: string): Obj => {
  assert.ok(value && typeof value === 'object' && !Array.isArray(value), `${what} is a mapping`);
  return value as Obj;
};
const list = (value: YamlValue | undefined): YamlValue[] => (Array.isArray(value) ? value : []);
const text = (value: YamlValue | undefined, what: string): string => {
  assert.equal(typeof value, 'string', `${what} is a string`);
  return value as string;
};

function appOfCommand(command: YamlValue | undefined): string | undefined {
  const args = list(command).map(String);
  const main = args.find((arg) => /^dist\/apps\/[^/]+\/main\.js$/.test(arg));
  return main?.split('/')[2];
}

function checkApp(app: string): void {
  assert.ok(existsSync(path.join(root, 'apps', app, 'main.ts')), `apps/${app}/main.ts exists`);
  assert.ok(read('package.json').includes('tsconfig-paths') && existsSync(path.join(root, 'tsconfig-paths-dist.js')));
}

function checkEnv(env: Record<string, string>, where: string): void {
  for (const name of Object.keys(env)) assert.ok(KNOWN_ENV.has(name), `${where}: ${name} is read by the code`);
  // The values themselves pass the services' own validation.
  const config = loadConfig(env);
  assert.equal(config.eventStore, 'kurrentdb', `${where}: the event log in KurrentDB`);
  assert.ok(config.kafka, `${where}: Kafka configured`);
  assert.ok(config.databaseUrl, `${where}: projections in PostgreSQL`);
  assert.ok(env.ADMIN_API_KEY && env.FINANCE_API_KEY, `${where}: operator keys set, not generated per container`);
}

/** The Nest modules a root module imports, however deep, and the paths of their controllers. */
function nestGraph(root: unknown): { modules: Set<unknown>; controllerPaths: string[] } {
  const modules = new Set<unknown>();
  const controllerPaths: string[] = [];
  const visit = (ref: unknown): void => {
    if (!ref || ref instanceof Promise || modules.has(ref)) return;
    if (typeof ref === 'object' && 'forwardRef' in ref) {
      visit((ref as { forwardRef: () => unknown }).forwardRef());
      return;
    }
    modules.add(ref);
    const dynamic = typeof ref === 'object' ? (ref as DynamicModule) : undefined;
    const metadata = (key: string): unknown[] => (dynamic ? [] : (Reflect.getMetadata(key, ref as object) ?? []));
    for (const controller of [...(dynamic?.controllers ?? []), ...metadata(MODULE_METADATA.CONTROLLERS)]) {
      const paths = [Reflect.getMetadata(PATH_METADATA, controller as object) ?? '/'].flat() as string[];
      controllerPaths.push(...paths.map((p) => p.replace(/^\/+|\/+$/g, '')));
    }
    for (const imported of [...(dynamic?.imports ?? []), ...metadata(MODULE_METADATA.IMPORTS)]) visit(imported);
    if (dynamic) visit(dynamic.module);
  };
  visit(root);
  return { modules, controllerPaths };
}

const serviceConfig = loadConfig(parseEnvFile(read('deploy/compose/roamledger.env')));
const serviceGraph = (app: string) => nestGraph(serviceModule(app, serviceConfig));
const under = (controllerPath: string, route: string) => controllerPath === route || controllerPath.startsWith(`${route}/`);

/** The service a route goes to runs a controller at (or under) that path. */
function checkRouteServed(route: (typeof ROUTES)[number]): void {
  const served = serviceGraph(route.app).controllerPaths.some((p) => under(p, route.path.slice(1)));
  assert.ok(served, `the ${route.app} service runs a controller at ${route.path}`);
}

function parseEnvFile(source: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of source.split('\n')) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    assert.ok(match, `env file line: ${line}`);
    env[match[1]] = match[2];
  }
  return env;
}

function hostPort(url: string): { host: string; port: string; user: string; password: string; database: string } {
  const parsed = new URL(url.includes('://') ? url : `tcp://${url}`);
  return {
    host: parsed.hostname,
    port: parsed.port,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: parsed.pathname.slice(1),
  };
}

describe('deploy/compose', () => {
  const dir = path.join(root, 'deploy', 'compose');
  const [compose] = parseYamlDocuments(read('deploy/compose/compose.yaml'), 'compose.yaml');
  const services = obj(obj(compose, 'compose').services, 'services');
  const appServices = Object.entries(services).filter(([, service]) => appOfCommand(obj(service, 'service').command));

  test('one service per module app, each running its own apps/<name>/main', () => {
    assert.deepEqual(appServices.map(([name]) => name).sort(), [...SERVICE_APPS].sort());
    for (const [name, service] of appServices) {
      assert.equal(appOfCommand(obj(service, name).command), name);
      checkApp(name);
      const build = obj(obj(service, name).build, `${name}.build`);
      const context = path.resolve(dir, text(build.context, 'build.context'));
      assert.ok(existsSync(path.join(context, 'package.json')), 'builds from the repository root');
      assert.ok(existsSync(path.join(context, text(build.dockerfile, 'build.dockerfile'))), 'the Dockerfile exists');
    }
  });

  test("every app's environment is read by the code and accepted by loadConfig", () => {
    for (const [name, service] of appServices) {
      const s = obj(service, name);
      const file = text(s.env_file, `${name}.env_file`);
      const environment = obj(s.environment ?? {}, `${name}.environment`);
      const env = { ...parseEnvFile(readFileSync(path.join(dir, file), 'utf8')) } as Record<string, string>;
      for (const [key, value] of Object.entries(environment)) env[key] = String(value);
      checkEnv(env, `compose ${name}`);
      assert.equal(env.KAFKA_CLIENT_ID, name, 'each service names itself to Kafka');
    }
  });

  test('KurrentDB, PostgreSQL and Kafka (KRaft) are there, and the URLs the apps use reach them', () => {
    const env = parseEnvFile(read('deploy/compose/roamledger.env'));
    const kafka = obj(obj(services.kafka, 'kafka').environment, 'kafka.environment');
    assert.match(String(kafka.KAFKA_PROCESS_ROLES), /broker/);
    assert.match(String(kafka.KAFKA_PROCESS_ROLES), /controller/, 'KRaft: the node is its own controller');
    assert.ok(kafka.KAFKA_CONTROLLER_QUORUM_VOTERS);
    assert.ok(!JSON.stringify(compose).toLowerCase().includes('zookeeper'), 'no ZooKeeper');
    const broker = hostPort(env.KAFKA_BROKERS);
    assert.ok(services[broker.host], `KAFKA_BROKERS names the ${broker.host} service`);
    assert.match(String(kafka.KAFKA_LISTENERS), new RegExp(`PLAINTEXT://:${broker.port}\\b`));
    assert.match(String(kafka.KAFKA_ADVERTISED_LISTENERS), new RegExp(`PLAINTEXT://${broker.host}:${broker.port}\\b`));

    const kurrent = hostPort(env.KURRENTDB_URL);
    const kurrentEnv = obj(obj(services[kurrent.host], 'kurrentdb').environment, 'kurrentdb.environment');
    assert.equal(String(kurrentEnv.KURRENTDB_NODE_PORT), kurrent.port);
    assert.equal(String(kurrentEnv.KURRENTDB_INSECURE), 'true', 'tls=false in KURRENTDB_URL needs an insecure node');

    const postgres = hostPort(env.DATABASE_URL);
    const pgEnv = obj(obj(services[postgres.host], 'postgres').environment, 'postgres.environment');
    assert.deepEqual(
      [pgEnv.POSTGRES_USER, pgEnv.POSTGRES_PASSWORD, pgEnv.POSTGRES_DB],
      [postgres.user, postgres.password, postgres.database],
    );
  });

  test('depends_on and volumes name what is declared', () => {
    const volumes = obj(obj(compose, 'compose').volumes, 'volumes');
    for (const [name, service] of Object.entries(services)) {
      const s = obj(service, name);
      const depends = Array.isArray(s.depends_on) ? s.depends_on.map(String) : Object.keys(obj(s.depends_on ?? {}, 'depends_on'));
      for (const target of depends) assert.ok(services[target], `${name} depends on a declared ${target}`);
      for (const volume of list(s.volumes).map(String)) {
        const [source] = volume.split(':');
        if (source.startsWith('.')) assert.ok(existsSync(path.join(dir, source)), `${name} mounts an existing ${source}`);
        else assert.ok(source in volumes, `${name} mounts the declared volume ${source}`);
      }
    }
  });

  test('the proxy gives one base URL: each path to the app that serves it, on its port', () => {
    const nginx = read('deploy/compose/nginx.conf');
    const upstreams = new Map([...nginx.matchAll(/upstream (\S+) \{ server ([\w-]+):(\d+); \}/g)].map((m) => [m[1], m]));
    const locations = new Map(
      [...nginx.matchAll(/location (\S+) \{ proxy_pass http:\/\/([\w-]+);/g)].map((m) => [m[1], m[2]] as const),
    );
    const env = parseEnvFile(read('deploy/compose/roamledger.env'));
    for (const route of ROUTES) {
      const upstream = locations.get(route.path);
      assert.equal(upstream, route.app, `${route.path} goes to ${route.app}`);
      const server = upstreams.get(upstream ?? '');
      assert.ok(server, `upstream ${upstream} is declared`);
      assert.equal(server[2], route.app);
      assert.equal(server[3], env.PORT, `${route.app} listens on PORT ${env.PORT}`);
      checkRouteServed(route);
    }
    const proxy = obj(services.proxy, 'proxy');
    const published = list(proxy.ports).map(String);
    const publicUrl = new URL(env.PUBLIC_URL);
    assert.ok(published.includes(`${publicUrl.port}:80`), `PUBLIC_URL ${env.PUBLIC_URL} is the proxy`);
    assert.ok(list(proxy.volumes).some((v) => String(v).startsWith('./nginx.conf:')));
  });
});

describe('module descriptors and the routes the proxies know', () => {
  test("every controller a module runs is under one of its descriptor's routes (else no proxy reaches it)", () => {
    for (const module of ROAMLEDGER_MODULES) {
      const { controllerPaths } = nestGraph(module.nestModule);
      assert.ok(controllerPaths.length > 0, `${module.name} runs controllers`);
      for (const controllerPath of controllerPaths) {
        assert.ok(
          module.routes.some((route) => under(controllerPath, route)),
          `${module.name} serves /${controllerPath}, which none of its routes (${module.routes.join(', ')}) covers`,
        );
      }
    }
  });
});

describe('deploy/k8s', () => {
  const dir = path.join(root, 'deploy', 'k8s');
  const files = readdirSync(dir).filter((file) => file.endsWith('.yaml'));
  const documents = files.flatMap((file) =>
    parseYamlDocuments(readFileSync(path.join(dir, file), 'utf8'), file).map((doc) => ({ file, doc: obj(doc, file) })),
  );
  const resources = documents.filter(({ doc }) => doc.kind !== 'Kustomization');
  const find = (kind: string, name: string): Obj => {
    const found = resources.find(({ doc }) => doc.kind === kind && obj(doc.metadata, 'metadata').name === name);
    assert.ok(found, `${kind} ${name} is declared`);
    return found.doc;
  };
  const configMap = obj(find('ConfigMap', 'roamledger-config').data, 'configmap data');
  const secret = obj(find('Secret', 'roamledger-secrets').stringData, 'secret stringData');
  const deployments = resources.filter(({ doc }) => doc.kind === 'Deployment').map(({ doc }) => doc);
  const podSpec = (workload: Obj): Obj => obj(obj(obj(workload.spec, 'spec').template, 'template').spec, 'pod spec');
  const container = (workload: Obj): Obj => obj(list(podSpec(workload).containers)[0], 'container');

  test('the kustomization lists every manifest, and every resource is in the roamledger namespace', () => {
    const kustomization = documents.find(({ doc }) => doc.kind === 'Kustomization')?.doc;
    assert.ok(kustomization);
    assert.deepEqual(list(kustomization.resources).map(String).sort(), files.filter((f) => f !== 'kustomization.yaml').sort());
    for (const { file, doc } of resources) {
      if (doc.kind === 'Namespace') continue;
      assert.equal(obj(doc.metadata, 'metadata').namespace, 'roamledger', `${file}: ${doc.kind} in the namespace`);
    }
  });

  test('one Deployment and Service per module app, each running its own apps/<name>/main', () => {
    assert.deepEqual(deployments.map((d) => obj(d.metadata, 'metadata').name).sort(), [...SERVICE_APPS].sort());
    for (const deployment of deployments) {
      const name = String(obj(deployment.metadata, 'metadata').name);
      assert.equal(appOfCommand(container(deployment).command), name);
      checkApp(name);
      const labels = obj(obj(obj(deployment.spec, 'spec').template, 'template').metadata, 'metadata').labels;
      const service = find('Service', name);
      assert.deepEqual(obj(service.spec, 'spec').selector, labels, `Service ${name} selects its pods`);
      const ports = list(container(deployment).ports).map((p) => obj(p, 'port'));
      const http = ports.find((p) => p.name === 'http');
      assert.equal(String(http?.containerPort), configMap.PORT, `${name} serves on PORT`);
      for (const port of list(obj(service.spec, 'spec').ports).map((p) => obj(p, 'service port'))) {
        assert.ok(
          ports.some((p) => p.name === port.targetPort),
          `Service ${name} targets a named container port`,
        );
      }
    }
  });

  test("every app's environment is read by the code and accepted by loadConfig", () => {
    for (const value of Object.values(configMap)) assert.equal(typeof value, 'string', 'ConfigMap values are strings');
    for (const deployment of deployments) {
      const name = String(obj(deployment.metadata, 'metadata').name);
      const c = container(deployment);
      const env: Record<string, string> = {};
      for (const from of list(c.envFrom).map((f) => obj(f, 'envFrom'))) {
        if (from.configMapRef)
          Object.assign(env, obj(find('ConfigMap', String(obj(from.configMapRef, 'ref').name)).data, 'data'));
        if (from.secretRef) Object.assign(env, obj(find('Secret', String(obj(from.secretRef, 'ref').name)).stringData, 'data'));
      }
      for (const variable of list(c.env).map((e) => obj(e, 'env'))) {
        env[text(variable.name, 'env name')] = text(variable.value, `${name} env ${variable.name}`);
      }
      checkEnv(env, `k8s ${name}`);
      assert.equal(env.KAFKA_CLIENT_ID, name);
    }
  });

  test('KurrentDB, PostgreSQL and Kafka (KRaft) are there, and the URLs the apps use reach them', () => {
    const kafka = container(find('StatefulSet', 'kafka'));
    const kafkaEnv = Object.fromEntries(list(kafka.env).map((e) => [obj(e, 'env').name, obj(e, 'env').value]));
    assert.equal(kafkaEnv.KAFKA_PROCESS_ROLES, 'broker,controller', 'KRaft, no ZooKeeper');
    const broker = hostPort(text(configMap.KAFKA_BROKERS, 'KAFKA_BROKERS'));
    const servicePort = (name: string, port: string) => {
      const ports = list(obj(find('Service', name).spec, 'spec').ports).map((p) => obj(p, 'port'));
      assert.ok(
        ports.some((p) => String(p.port) === port),
        `Service ${name} exposes ${port}`,
      );
    };
    servicePort(broker.host, broker.port);
    assert.equal(kafkaEnv.KAFKA_ADVERTISED_LISTENERS, `PLAINTEXT://${broker.host}:${broker.port}`);
    const kurrent = hostPort(text(configMap.KURRENTDB_URL, 'KURRENTDB_URL'));
    servicePort(kurrent.host, kurrent.port);
    find('StatefulSet', kurrent.host);
    const postgres = hostPort(text(secret.DATABASE_URL, 'DATABASE_URL'));
    servicePort(postgres.host, postgres.port);
    const credentials = obj(find('Secret', 'postgres-credentials').stringData, 'postgres credentials');
    assert.deepEqual(
      [credentials.POSTGRES_USER, credentials.POSTGRES_PASSWORD, credentials.POSTGRES_DB],
      [postgres.user, postgres.password, postgres.database],
    );
  });

  test('volumes and secrets are declared; apps that handle partner tokens share one key', () => {
    for (const workload of resources.filter(({ doc }) => doc.kind === 'Deployment' || doc.kind === 'StatefulSet')) {
      const spec = podSpec(workload.doc);
      const declared = new Set(list(spec.volumes).map((v) => obj(v, 'volume').name));
      const templates = list(obj(workload.doc.spec, 'spec').volumeClaimTemplates).map(
        (t) => obj(obj(t, 'pvc').metadata, 'm').name,
      );
      for (const mount of list(container(workload.doc).volumeMounts).map((m) => obj(m, 'mount'))) {
        assert.ok(declared.has(mount.name) || templates.includes(mount.name), `${workload.file}: volume ${mount.name} declared`);
      }
      for (const volume of list(spec.volumes).map((v) => obj(v, 'volume'))) {
        if (volume.secret) find('Secret', String(obj(volume.secret, 'secret').secretName));
      }
    }
    for (const deployment of deployments) {
      const name = String(obj(deployment.metadata, 'metadata').name);
      const usesTokens = serviceGraph(name).modules.has(PartnersModule);
      const mounts = list(container(deployment).volumeMounts).map((m) => obj(m, 'mount'));
      const keyMount = mounts.find((m) => m.mountPath === `${configMap.DATA_DIR}/${PARTNER_TOKEN_KEY_FILE}`);
      assert.equal(Boolean(keyMount), usesTokens, `${name}: partner-token key mounted iff it handles partner tokens`);
      if (keyMount) assert.equal(keyMount.subPath, PARTNER_TOKEN_KEY_FILE);
    }
    assert.ok(obj(find('Secret', 'roamledger-partner-token-key').stringData, 'key')[PARTNER_TOKEN_KEY_FILE]);
  });

  test('the ingress gives one base URL: each path to the app that serves it', () => {
    const ingress = find('Ingress', 'roamledger');
    const spec = obj(ingress.spec, 'ingress spec');
    const publicHost = new URL(text(configMap.PUBLIC_URL, 'PUBLIC_URL')).hostname;
    const [rule] = list(spec.rules).map((r) => obj(r, 'rule'));
    assert.equal(rule.host, publicHost, 'PUBLIC_URL is the ingress host');
    assert.ok(
      list(spec.tls).some((t) => list(obj(t, 'tls').hosts).includes(publicHost)),
      'served over TLS',
    );
    const paths = list(obj(rule.http, 'http').paths).map((p) => obj(p, 'path'));
    for (const route of ROUTES) {
      const found = paths.find((p) => p.path === route.path);
      assert.ok(found, `${route.path} is routed`);
      assert.equal(found.pathType, 'Prefix');
      const backend = obj(obj(found.backend, 'backend').service, 'service');
      assert.equal(backend.name, route.app, `${route.path} goes to ${route.app}`);
      const portName = obj(backend.port, 'port').name;
      const service = find('Service', route.app);
      assert.ok(list(obj(service.spec, 'spec').ports).some((p) => obj(p, 'port').name === portName));
      checkRouteServed(route);
    }
  });
});

describe('the YAML subset reader', () => {
  test('reads what the manifests use and refuses what it does not know', () => {
    assert.deepEqual(
      parseYamlDocuments('a: 1\nb:\n  - x\n  - c: "3000"\n    d: [1, "a, b"]\ne: |\n  line # kept\n---\nf: {}\n'),
      [{ a: 1, b: ['x', { c: '3000', d: [1, 'a, b'] }], e: 'line # kept\n' }, { f: {} }],
    );
    // A flow list a formatter wrapped over several lines (Biome formats YAML too).
    assert.deepEqual(parseYamlDocuments('test:\n  [\n    "CMD",\n    "a, b",\n  ]\nx: 1\n'), [{ test: ['CMD', 'a, b'], x: 1 }]);
    assert.throws(() => parseYamlDocuments('ports:\n  - 8080:80\n'), /base-60/);
    assert.throws(() => parseYamlDocuments('enabled: yes\n'), /boolean/);
    assert.throws(() => parseYamlDocuments('a: &anchor 1\n'), /anchors/);
    assert.throws(() => parseYamlDocuments('a: 1\na: 2\n'), /duplicate/);
  });
});
