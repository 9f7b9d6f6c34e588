// The shared setup, with one change: vitest passes ssr.resolve.conditions to
// the test processes as Node `--conditions`, and with `import` among them
// Node's require() picks packages' ESM entries — node-media-server's
// require('ws') then gets ws's ESM wrapper, which has no `Server`. trafficcop
// keeps the conditions that find workspace sources and leaves out `import`.
import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

const conditions = ['source', 'node', 'default'];

export default defineConfig({
  ...shared,
  resolve: { ...shared.resolve, conditions },
  ssr: { ...shared.ssr, resolve: { ...shared.ssr?.resolve, conditions } },
});
