/**
 * A PostgreSQL of another major version than the embedded one, from Debian's packages
 * (`apt-get install postgresql`, .ci/run installs it): initdb into a temporary directory and a
 * server on a free 127.0.0.1 port, as the `postgres` user when running as root. For tests whose
 * verdicts depend on the server version.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/database/server.js';

export interface SystemPostgres {
  /** postgresql://postgres:…@127.0.0.1:PORT/postgres */
  url: string;
  major: number;
  stop(): Promise<void>;
}

/** The newest Debian server installed under /usr/lib/postgresql, or undefined. */
export function systemPostgresBin(): { dir: string; major: number } | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base).map(Number).filter((n) => Number.isInteger(n) && existsSync(join(base, String(n), 'bin', 'postgres'))).sort((a, b) => b - a);
  return majors.length > 0 ? { dir: join(base, String(majors[0]), 'bin'), major: majors[0]! } : undefined;
}

export async function startSystemPostgres(): Promise<SystemPostgres> {
  const bin = systemPostgresBin();
  if (bin === undefined) throw new Error('no PostgreSQL server under /usr/lib/postgresql: apt-get install postgresql (.ci/run does)');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const ids = root ? { uid: Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout), gid: Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout) } : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ag-system-pg-'));
  chmodSync(dir, 0o755);
  const data = join(dir, 'data');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, 'system-pg\n');
  if (ids !== undefined) {
    chownSync(dir, ids.uid, ids.gid);
    chownSync(pwfile, ids.uid, ids.gid);
  }
  const init = spawnSync(join(bin.dir, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '-A', 'scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'], { encoding: 'utf8', ...(ids ?? {}) });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const child: ChildProcess = spawn(join(bin.dir, 'postgres'), ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'lc_messages=C'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(ids ?? {}),
  });
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('ready to accept connections')) resolve();
    });
    child.once('exit', () => reject(new Error(`postgres exited: ${err}`)));
  });
  return {
    url: `postgresql://postgres:system-pg@127.0.0.1:${port}/postgres`,
    major: bin.major,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
