// One base URL for the services of a local service-mode run, as nginx gives them in
// deploy/compose: the routes are read from deploy/compose/nginx.conf, so there is one table.
//
//   node deploy/local/proxy.mjs <port> versions=3001 credentials=3002 sessions=3003 cdrs=3004 billing=3005
import { readFileSync } from 'node:fs';
import http from 'node:http';

const [port, ...services] = process.argv.slice(2);
const upstreams = new Map(services.map((arg) => arg.split('=')).map(([name, p]) => [name, Number(p)]));
const nginx = readFileSync(new URL('../compose/nginx.conf', import.meta.url), 'utf8');
// Longest prefix first, as nginx picks the longest matching location.
const routes = [...nginx.matchAll(/location (\S+) \{ proxy_pass http:\/\/([\w-]+);/g)]
  .map(([, prefix, name]) => ({ prefix, name }))
  .sort((a, b) => b.prefix.length - a.prefix.length);
for (const { name } of routes) if (!upstreams.has(name)) throw new Error(`no port given for ${name} (name=port)`);

http
  .createServer((request, response) => {
    const route = routes.find(
      ({ prefix }) =>
        request.url === prefix ||
        request.url.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`) ||
        request.url.startsWith(`${prefix}?`),
    );
    if (!route) {
      response.writeHead(404).end();
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port: upstreams.get(route.name), method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`${route.name} is not answering: ${error.message}\n`);
    });
    request.pipe(upstream);
  })
  .listen(Number(port), '127.0.0.1', () =>
    console.error(`proxy on http://127.0.0.1:${port}: ${routes.map((r) => `${r.prefix} -> ${r.name}`).join(', ')}`),
  );
