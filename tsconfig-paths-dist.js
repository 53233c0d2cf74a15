// Resolves the `@roamledger/*` aliases of tsconfig.json against the compiled tree in dist/,
// so `node` can run what `tsc` emitted without a bundler.
const path = require('node:path');
const tsConfigPaths = require('tsconfig-paths');

tsConfigPaths.register({
  baseUrl: path.join(__dirname, 'dist'),
  paths: { '@roamledger/ocpi/values': ['libs/ocpi/src/values'], '@roamledger/*': ['libs/*/src'] },
});
