// The frontend's Jest suite against what Grafana 13.2 gives plugins: React 19 and @grafana/*
// 13.2, installed here from this folder's own lock (npm ci). Run from the repository root:
//   npm ci --prefix compat/grafana13 && npx jest -c compat/grafana13/jest.config.js
// resolver.js resolves the packages Grafana provides (and the test libraries that must share
// their React) into compat/grafana13/node_modules; the rest (Jest, swc, the sources) is the
// project's own.
const path = require('path');
const { grafanaESModules, nodeModulesToTransform } = require('../../.config/jest/utils');
const base = require('../../jest.config');

module.exports = {
  ...base,
  rootDir: path.join(__dirname, '..', '..'),
  resolver: path.join(__dirname, 'resolver.js'),
  setupFiles: [path.join(__dirname, 'jest-setup.js')],
  // @grafana/ui 13 reaches @react-hookz/web and its @ver0 helpers, which ship ES modules only.
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@react-hookz', '@ver0'])],
};
