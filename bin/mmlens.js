#!/usr/bin/env node
// mmlens: the command-line face of Kernel MM Lens. The code lives in the esbuild bundle dist/mmlens.js.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const bundle = path.join(__dirname, '..', 'dist', 'mmlens.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('mmlens: not built yet: run `npm run build` in ' + path.dirname(__dirname) + '\n');
  process.exit(2);
}
require(bundle)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((err) => {
    // Last-resort guard: main() reports its own errors; reaching here is a bug in mmlens itself.
    process.stderr.write('mmlens: internal error: ' + (err && err.stack ? err.stack : String(err)) + '\n');
    process.exitCode = 70;
  });
