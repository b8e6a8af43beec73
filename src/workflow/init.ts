/**
 * `alembic-guard init`: adopt the tool on an existing history. Writes `[tool.alembic-guard]
 * baseline` = the current head (so the shape and operation rules judge only the migrations written
 * from now on) and, when the project's own files say which PostgreSQL it runs on, `postgres_version`
 * with where that came from, into pyproject.toml, keeping the rest of the file byte for byte.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Project } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import { ConfigError, UsageError } from '../errors.js';
import { parsePyproject } from '../project/toml.js';
import { setTomlKeys, type TomlEntry } from '../project/toml-edit.js';
import { detectPostgresVersion } from '../project/postgres-version.js';
import { DEFAULT_POSTGRES_VERSION } from '../ops/model.js';

export interface InitPlan {
  /** The pyproject.toml to write, absolute. */
  file: string;
  /** Relative to the project root, for messages. */
  display: string;
  /** The file does not exist yet. */
  created: boolean;
  before: string;
  after: string;
  baseline: string;
  /** The baseline this replaces (with --force). */
  replaced?: string;
  /** Revisions at or below the baseline: what the per-file rules stop reporting. */
  covered: number;
  /** What happened to postgres_version, one sentence. */
  postgres: string;
  /** Nothing to change (the baseline is already the head). */
  unchanged: boolean;
}

/** The pyproject.toml that holds [tool.alembic-guard], else the one beside the config (made if missing). */
function settingsFile(project: Project): string {
  for (const f of project.configFiles) {
    if (basename(f) !== 'pyproject.toml') continue;
    const pp = parsePyproject(readFileSync(f, 'utf8'), f, basename(f));
    if (pp.guard !== undefined) return f;
  }
  return join(project.root, 'pyproject.toml');
}

function below(graph: RevisionGraph, head: string): number {
  const seen = new Set<string>();
  const stack = [head];
  while (stack.length > 0) {
    const r = stack.pop()!;
    const node = graph.nodes.get(r);
    if (node === undefined || seen.has(r)) continue;
    seen.add(r);
    stack.push(...node.downRevisions, ...node.dependsOn);
  }
  return seen.size;
}

export function planInit(project: Project, graph: RevisionGraph, options: { force?: boolean } = {}): InitPlan {
  if (graph.heads.length === 0) {
    throw new UsageError('there is no revision to take as the baseline', {
      reason: `no revision file in ${project.versionLocations.map((v) => relative(project.root, v) || '.').join(', ')}`,
      hint: 'Run `alembic-guard init` once the history has its first revision (without a baseline, every revision is linted).',
    });
  }
  if (graph.heads.length > 1) {
    throw new UsageError(`the history has ${graph.heads.length} heads (${graph.heads.join(', ')}); the baseline is one revision`, {
      reason: 'With two heads, a baseline at one of them would leave every revision of the other branch linted, and the other head would stay unmerged.',
      hint: 'Merge the heads first (`alembic-guard fix-heads --merge`), then run `alembic-guard init`.',
    });
  }
  const head = graph.heads[0]!;
  const file = settingsFile(project);
  const display = relative(project.root, file).split('\\').join('/') || basename(file);
  const created = !existsSync(file);
  const before = created ? '' : readFileSync(file, 'utf8');
  const current = project.settings.baseline;
  const base = { file, display, created, before, baseline: head, covered: below(graph, head) };
  if (current !== undefined && current === head && options.force !== true) {
    return { ...base, after: before, postgres: 'left as it is', unchanged: true };
  }
  if (current !== undefined && options.force !== true) {
    throw new UsageError(`[tool.alembic-guard] baseline is already set to "${current}" in ${display}`, {
      reason: `init would move it to the current head, ${head}, and the revisions between them would no longer be linted.`,
      hint: `Pass --force to move the baseline to ${head}, or edit ${display} by hand.`,
    });
  }

  const entries: TomlEntry[] = [
    { key: 'baseline', value: JSON.stringify(head), parsed: head, comment: 'the head when alembic-guard was adopted: only later revisions get shape and operation findings' },
  ];
  let postgres: string;
  if (project.settings.postgresVersion !== undefined) {
    postgres = `postgres_version = ${project.settings.postgresVersion} is already set; left as it is`;
  } else {
    const found = detectPostgresVersion(project.root);
    if ('version' in found) {
      const where = found.sources.map((s) => `${s.file}:${s.line} (${s.image})`);
      entries.push({ key: 'postgres_version', value: String(found.version), parsed: found.version, comment: `from ${where[0]}${where.length > 1 ? ` and ${where.length - 1} more` : ''}` });
      postgres = `postgres_version = ${found.version}, from ${where.join(', ')}`;
    } else if ('conflict' in found) {
      postgres = `postgres_version not set: the project's files name different versions (${found.conflict.map((s) => `${s.version} in ${s.file}:${s.line}`).join(', ')}); set the one you deploy to yourself (the rules assume ${DEFAULT_POSTGRES_VERSION} until then)`;
    } else {
      postgres = `postgres_version not set: no PostgreSQL image with a version in ${found.none.length > 0 ? found.none.join(', ') : 'docker compose files, CI workflows or Dockerfiles'}; set the one you deploy to yourself (the rules assume ${DEFAULT_POSTGRES_VERSION} until then)`;
    }
  }
  const edit = setTomlKeys(before, ['tool', 'alembic-guard'], entries);
  if ('refused' in edit) {
    throw new ConfigError(`cannot update ${display} safely: ${edit.refused}`, {
      hint: `Add \`baseline = "${head}"\` under a [tool.alembic-guard] header yourself.`,
    });
  }
  return { ...base, after: edit.text, ...(current !== undefined && current !== head ? { replaced: current } : {}), postgres, unchanged: false };
}

export function writeInit(plan: InitPlan): void {
  if (!plan.unchanged) writeFileSync(plan.file, plan.after);
}
