#!/usr/bin/env node
import { main } from './main.js';
import { renderError } from './render-error.js';

main(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(renderError(e, true));
    process.exitCode = 2;
  },
);
