/**
 * The PostgreSQL major version a project runs on, when its own files say so: the image of a
 * PostgreSQL container in docker compose files, CI workflows (GitHub Actions, GitLab CI) and
 * Dockerfiles, at the project root and at the repository root. Only an explicit version counts
 * (`postgres:16`, `postgres:16.4-alpine`, `postgis/postgis:15-3.4`, `timescale/timescaledb:2.14.2-pg16`,
 * `pgvector/pgvector:pg17`); `postgres:latest` or no tag says nothing. Files that disagree give no
 * answer: the version is never guessed. YAML and Dockerfiles are read line by line for image
 * references, which is all that is needed here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface VersionSource {
  /** Relative to the project root, forward slashes. */
  file: string;
  line: number;
  /** The image reference as written. */
  image: string;
  version: number;
}

export type PostgresVersionAnswer =
  | { version: number; sources: VersionSource[] }
  /** Files name different major versions. */
  | { conflict: VersionSource[] }
  | { none: string[] };

const IMAGES = new Set(['postgres', 'postgresql', 'postgis', 'pgvector', 'timescaledb', 'timescaledb-ha', 'postgresql-repmgr']);

/** `16` from a tag, or undefined when the tag names no major version. */
export function majorFromTag(repository: string, tag: string): number | undefined {
  const pg = /(?:^|[^a-z])pg(\d{2})(?![0-9])/i.exec(tag);
  if (pg !== null) return Number(pg[1]);
  // The tag's leading number is PostgreSQL's only for images versioned like PostgreSQL.
  if (repository === 'timescaledb' || repository === 'timescaledb-ha' || repository === 'pgvector') return undefined;
  const lead = /^(\d+)(?:\.\d+)*(?:[-_.].*)?$/.exec(tag);
  if (lead === null) return undefined;
  const major = Number(lead[1]);
  return major >= 10 && major <= 99 ? major : undefined;
}

/** The image reference on one line: `image: postgres:16`, `FROM postgres:16 AS db`, `- postgres:15` (GitLab services). */
function imageOn(line: string): string | undefined {
  let t = line.trim();
  if (t.startsWith('#')) return undefined;
  t = t.replace(/\s#.*$/, '').trim();
  const item = t.startsWith('- ');
  if (item) t = t.slice(2).trim();
  const keyed = /^(?:image|name):\s*(\S+)$/i.exec(t) ?? /^FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(t);
  const value = keyed?.[1] ?? (item ? t : undefined);
  return value?.replace(/^["']|["']$/g, '');
}

function sourceOf(ref: string): { repository: string; tag: string } | undefined {
  const noDigest = ref.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  if (colon <= slash) return undefined;
  const repository = noDigest.slice(slash + 1, colon).toLowerCase();
  return IMAGES.has(repository) ? { repository, tag: noDigest.slice(colon + 1) } : undefined;
}

/** The project root and the repository root (the first parent with .git), without duplicates. */
function roots(root: string): string[] {
  const out = [resolve(root)];
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) {
      if (!out.includes(dir)) out.push(dir);
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return out;
}

function candidates(dir: string): string[] {
  const files: string[] = [];
  const list = (d: string): string[] => {
    try {
      return readdirSync(d).filter((n) => {
        try {
          return statSync(join(d, n)).isFile();
        } catch {
          return false;
        }
      });
    } catch {
      return [];
    }
  };
  for (const n of list(dir)) {
    if (/^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/i.test(n) || /^Dockerfile([.-][\w.-]+)?$/.test(n) || /^\.gitlab-ci\.ya?ml$/.test(n)) files.push(join(dir, n));
  }
  for (const n of list(join(dir, '.github', 'workflows'))) if (/\.ya?ml$/.test(n)) files.push(join(dir, '.github', 'workflows', n));
  return files.sort();
}

export function detectPostgresVersion(root: string): PostgresVersionAnswer {
  const sources: VersionSource[] = [];
  const looked: string[] = [];
  for (const dir of roots(root)) {
    for (const file of candidates(dir)) {
      const rel = relative(root, file).split('\\').join('/');
      looked.push(rel);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      text.split(/\r?\n/).forEach((line, i) => {
        const image = imageOn(line);
        const ref = image !== undefined ? sourceOf(image) : undefined;
        const version = ref !== undefined ? majorFromTag(ref.repository, ref.tag) : undefined;
        if (version !== undefined) sources.push({ file: rel, line: i + 1, image: image!, version });
      });
    }
  }
  if (sources.length === 0) return { none: looked };
  const versions = new Set(sources.map((s) => s.version));
  return versions.size === 1 ? { version: sources[0]!.version, sources } : { conflict: sources };
}
