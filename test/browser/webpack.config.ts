// Builds harness.tsx into test/browser/dist/: the plugin's components with React, @grafana/*
// and everything else bundled in (a real Grafana page provides those; this page has no Grafana).
import path from 'path';
import type { Configuration } from 'webpack';

const config: Configuration = {
  mode: 'development',
  devtool: false,
  context: __dirname,
  entry: { harness: './harness.tsx' },
  output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', clean: true },
  resolve: {
    extensions: ['.ts', '.tsx', '.js', '.jsx', '.json'],
    modules: [path.resolve(__dirname, '../../node_modules')],
    // Grafana serves react-router 6 under this name to plugins.
    alias: {
      'react-router-dom-v5-compat': 'react-router-dom',
      // PanelRenderer comes from a running Grafana; runtime.ts stands in for it.
      '@grafana/runtime$': path.resolve(__dirname, 'runtime.ts'),
    },
    // Some of Grafana's dependencies reach for Node built-ins they never call in a browser.
    fallback: { fs: false, path: false, os: false, crypto: false, stream: false, buffer: false, util: false },
  },
  performance: { hints: false },
  module: {
    rules: [
      {
        exclude: /node_modules/,
        test: /\.[tj]sx?$/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              target: 'es2020',
              parser: { syntax: 'typescript', tsx: true },
              transform: { react: { runtime: 'classic' } },
            },
          },
        },
      },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(png|jpe?g|gif|svg|woff2?|eot|ttf|otf)$/, type: 'asset/inline' },
    ],
  },
};

export default config;
