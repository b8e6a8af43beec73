import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process (the same `main` the binary calls) with captured output. */
export async function runCli(argv: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(argv, { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
