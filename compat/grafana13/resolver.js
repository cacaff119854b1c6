// Resolves the packages Grafana provides to plugins (and the test libraries that must share
// their React) from compat/grafana13/node_modules, with Jest's own resolver, so package
// "exports" such as @grafana/data/unstable keep working; everything else as usual.
const provided = /^(react|react-dom|react-router-dom|rxjs|@emotion\/css|@grafana\/[^/]+|@testing-library\/[^/]+)(\/|$)/;

module.exports = (request, options) =>
  options.defaultResolver(request, provided.test(request) ? { ...options, basedir: __dirname } : options);
