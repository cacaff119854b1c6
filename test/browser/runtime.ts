// Not typechecked (tsconfig.json excludes it): the package's bundled module has no declarations of its own.
// @grafana/runtime as the harness's bundle sees it (webpack.config.ts aliases the package here):
// all of it, except PanelRenderer, which only a running Grafana provides (the package's own
// renders "PanelRenderer can only be used after Grafana instance has been started").
export * from '../../node_modules/@grafana/runtime/dist/esm/index.mjs';
export { PanelPlaceholder as PanelRenderer } from './PanelPlaceholder';
