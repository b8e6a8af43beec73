#!/usr/bin/env node
import { main } from './main.js';
import { renderError } from './render-error.js';

// A reader that goes away (`alembic-guard history | head`) is not an error: stop quietly, with the
// exit handlers releasing whatever the run started.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(renderError(e, true));
    process.exitCode = 2;
  },
);
