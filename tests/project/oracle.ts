/** Runs tests/project/alembic_oracle.py with the test venv's Python (real configparser, real Alembic). */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot, venvPython } from '../helpers/paths.js';

const oracle = join(repoRoot, 'tests', 'project', 'alembic_oracle.py');

/** One request, one Python process. */
export function runOracle<T>(request: Record<string, unknown>): T {
  const out = execFileSync(venvPython, [oracle], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as T;
}

/** A long-lived oracle (Alembic is imported once): requests answered in order, one JSON line each. */
export class Oracle {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private stderr = '';

  constructor() {
    this.child = spawn(venvPython, [oracle, '--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.resolve(JSON.parse(line)));
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`oracle exited with ${code}: ${this.stderr}`));
    });
  }

  ask<T>(request: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin.write(JSON.stringify(request) + '\n');
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** A fresh temporary folder (real path, so that comparisons with Python's resolved paths hold). */
export function tempDir(prefix = 'ag-project-'): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}
