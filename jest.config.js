// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const scaffold = require('./.config/jest.config');
const swcTransform = scaffold.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  // Jest configuration provided by Grafana scaffolding
  ...scaffold,
  // A guard against hangs, not a performance bound: rendering @grafana/ui pages in jsdom on a
  // busy 2-core machine takes several seconds per test.
  testTimeout: 30000,
  transform: {
    ...scaffold.transform,
    // d3-color and friends ship only .mjs files; run them through the same swc transform.
    '^.+\\.mjs$': swcTransform,
  },
};
