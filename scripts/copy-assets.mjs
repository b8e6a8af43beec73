// Copies the non-TypeScript files the package ships (the Python helper) next to the compiled code.
import { cpSync, existsSync } from 'node:fs';
const assets = [['src/python/helper.py', 'dist/src/python/helper.py']];
for (const [from, to] of assets) if (existsSync(from)) cpSync(from, to);
