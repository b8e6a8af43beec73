/**
 * What every database check shares during one run: the project and its graph, the revisions as
 * Alembic loaded them, the findings so far, and the ways a helper's error becomes a finding (at the
 * revision's file and line, with the database's message and the failing SQL) or an environment
 * error (env.py raising, a missing module, a bug of ours).
 */
import { isAbsolute, relative } from 'node:path';
import type { ConfiguredSeverity, Finding, Project, Severity } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import { PythonError, redactUrl, type GuardError } from '../errors.js';
import type { HelloInfo, HelperError, HelperRevision } from '../python/bridge.js';
import { describePython, type PythonCommand } from '../python/find.js';
import type { WalkPlan } from './plan.js';

/**
 * What to do about an upgrade that fails: a data migration that finds no rows (an assertion, or a
 * query of rows) needs revision_data; a missing table or column needs a migration.
 */
export function upgradeFix(err: HelperError, otherwise: string): string {
  const statement = (err.statement ?? '').trimStart().split(/\s+/)[0]?.toUpperCase() ?? '';
  const missingObject = err.pgcode === '42P01' || err.pgcode === '42703' || err.pgcode === '42704';
  const dataQuery = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'WITH'].includes(statement);
  if (!missingObject && (err.type === 'AssertionError' || (dataQuery && err.pgcode !== undefined && err.pgcode !== null))) {
    return 'This data migration expects rows the production database has and a fresh one does not: give them to it in [tool.alembic-guard.revision_data] (rows inserted right before its upgrade, as pytest-alembic\'s before_revision_data), or make it work when they are missing.';
  }
  return otherwise;
}

/** A revision_data row the helper could not insert. */
interface DataError {
  revision: string;
  when: 'before' | 'at';
  source: 'config' | 'module';
  /** The configuration line (config rows) and the ref as written. */
  line?: number | null;
  ref?: string;
  index?: number | null;
  path?: string | null;
  name?: string | null;
  table?: string | null;
  message: string;
}

/** An environment problem that stops the database checks (reported with exit code 2). */
export class Stop extends Error {
  constructor(readonly error: GuardError) {
    super(error.message);
  }
}

export function oneLine(text: string, max = 240): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** The database's message without psycopg2's LINE/caret decoration, or `Type: message` for Python errors. */
export function errorSummary(err: HelperError): string {
  const lines = err.message
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !/^LINE \d+:/.test(l) && !/^\s*\^\s*$/.test(l));
  const text = oneLine(lines.join(' '), 400);
  if (err.statement === undefined || err.statement === null) {
    if (err.type !== undefined && !text.startsWith(err.type)) return `${err.type}: ${text}`;
  }
  return text;
}

export class RunContext {
  readonly findings: Finding[] = [];
  readonly revisions = new Map<string, HelperRevision>();
  /** Tables left out of schema comparisons besides alembic_version (a custom version_table). */
  readonly versionTables: string[] = [];
  graph!: RevisionGraph;
  plan!: WalkPlan;
  hello: HelloInfo | undefined;
  python: PythonCommand | undefined;
  /** The revision `alembic upgrade heads` failed at (the upgrade check), if it did. */
  upgradeFailedAt: string | undefined;
  /** Revisions whose downgrade raised NotImplementedError (statically marked ones included). */
  readonly irreversibleNoted = new Set<string>();
  /** Revisions found irreversible only by running their downgrade. */
  readonly dynamicIrreversible = new Set<string>();

  constructor(
    readonly project: Project,
    readonly stepTimeout: number,
    private readonly defaultSeverity: Record<string, Severity>,
  ) {}

  rel(path: string | undefined | null): string | undefined {
    if (path === undefined || path === null || path === '') return undefined;
    const r = isAbsolute(path) ? relative(this.project.root, path) : path;
    return r.split('\\').join('/');
  }

  severity(rule: string): ConfiguredSeverity {
    return this.project.settings.rules[rule] ?? this.defaultSeverity[rule] ?? 'error';
  }

  add(f: Omit<Finding, 'severity'>): void {
    const sev = this.severity(f.rule);
    if (sev === 'off') return;
    const finding: Finding = { ...f, severity: sev, message: redactUrl(f.message) } as Finding;
    for (const k of Object.keys(finding) as (keyof Finding)[]) if (finding[k] === undefined) delete finding[k];
    this.findings.push(finding);
  }

  /** Remove the findings `drop` selects; returns how many. */
  drop(drop: (f: Finding) => boolean): number {
    let n = 0;
    for (let i = this.findings.length - 1; i >= 0; i--) {
      if (drop(this.findings[i]!)) {
        this.findings.splice(i, 1);
        n++;
      }
    }
    return n;
  }

  revisionFile(rev: string | undefined): string | undefined {
    if (rev === undefined) return undefined;
    const path = this.revisions.get(rev)?.path ?? this.graph.nodes.get(rev)?.file.absPath;
    return this.rel(path);
  }

  fallbackLine(rev: string | undefined, fn: 'upgrade' | 'downgrade'): number | undefined {
    if (rev === undefined) return undefined;
    const r = this.revisions.get(rev);
    const line = fn === 'upgrade' ? r?.upgrade_line : r?.downgrade_line;
    if (line !== undefined && line !== null) return line;
    const node = this.graph.nodes.get(rev);
    return (fn === 'upgrade' ? node?.file.upgrade?.loc.line : node?.file.downgrade?.loc.line) ?? undefined;
  }

  /** A finding for a step that failed: at the line that raised, with the database's error and SQL. */
  stepFinding(rule: string, err: HelperError, what: string, fix: string): void {
    const rev = err.revision;
    const fn = err.direction === 'down' ? 'downgrade' : 'upgrade';
    const file = err.path !== undefined ? this.rel(err.path) : this.revisionFile(rev);
    const sql = err.statement !== undefined && err.statement !== null && err.statement !== '' ? ` Failing SQL: ${oneLine(err.statement)}` : '';
    const timeout = err.pgcode === '57014' ? ` (the step ran into statement_timeout = ${this.stepTimeout} s; raise --step-timeout if it is legitimately slow)` : '';
    this.add({
      rule,
      message: `${what}: ${errorSummary(err).replace(/[.\s]+$/, '')}${timeout}.${sql}`,
      file,
      line: err.line ?? this.fallbackLine(rev, fn),
      revision: rev,
      fix,
    });
  }

  noteIrreversible(rev: string, err?: HelperError): void {
    if (this.irreversibleNoted.has(rev)) return;
    this.irreversibleNoted.add(rev);
    this.dynamicIrreversible.add(rev);
    this.add({
      rule: 'irreversible-downgrade',
      message: `downgrade() of ${rev} raises NotImplementedError${err !== undefined ? ` (${oneLine(err.message)})` : ''}: it is irreversible, so it and the revisions below it are not downgrade-tested.`,
      file: err?.path !== undefined ? this.rel(err.path) : this.revisionFile(rev),
      line: err?.line ?? this.fallbackLine(rev, 'downgrade'),
      revision: rev,
    });
  }

  pythonLabel(): string {
    const h = this.hello;
    const py = h?.python ?? (this.python !== undefined ? describePython(this.python) : 'python');
    const parts = [h?.python_version !== undefined ? `Python ${h.python_version}` : undefined, h?.alembic !== undefined ? `Alembic ${h.alembic}` : undefined, h?.sqlalchemy !== undefined ? `SQLAlchemy ${h.sqlalchemy}` : undefined].filter((p) => p !== undefined);
    return `${py}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}${this.python !== undefined ? `, found via ${this.python.source}` : ''}`;
  }

  /** env.py (or Alembic itself, or our own helper) failed outside any migration step. */
  envError(err: HelperError, during: string): PythonError {
    const where = err.path !== undefined && err.line !== undefined && err.line !== null ? ` at ${this.rel(err.path)}:${err.line}` : '';
    const tail = err.traceback !== undefined && err.traceback !== '' ? `\n${err.traceback}` : '';
    if (err.kind === 'missing-module') {
      const driver = ['psycopg2', 'psycopg', 'asyncpg', 'pg8000'].includes(err.module ?? '');
      return new PythonError(`${driver ? 'the PostgreSQL driver' : 'the module'} ${err.module} is not installed in the Python used (${during})`, {
        reason: `Python: ${this.pythonLabel()}${tail}`,
        hint: `Install your project's dependencies into that interpreter (pip install ${err.module}), or pass --python PATH to the one that has them.`,
      });
    }
    if (err.kind === 'protocol' || err.kind === 'internal') {
      return new PythonError(`alembic-guard's helper failed (${during}): ${oneLine(err.message)}`, {
        reason: `Python: ${this.pythonLabel()}${tail}`,
        hint: 'This is a bug in alembic-guard, not in your env.py; please report it with the output of the same command with --verbose.',
      });
    }
    return new PythonError(`env.py raised ${err.type ?? 'an error'}${where} (${during}): ${oneLine(err.message)}`, {
      reason: `Python: ${this.pythonLabel()}${tail}`,
      hint: 'env.py must run `alembic upgrade heads` against the database alembic-guard passes in sqlalchemy.url and DATABASE_URL (or [tool.alembic-guard] url_env); run with --verbose to see its output.',
    });
  }

  /** A step's error that is a step's (or an irreversible mark); anything else stops the checks. */
  stepError(r: { ok: boolean; error?: HelperError } | undefined, what: string): HelperError | undefined {
    if (r === undefined || r.ok) return undefined;
    const err = r.error!;
    if (!['step', 'irreversible'].includes(err.kind)) throw new Stop(this.envError(err, what));
    return err;
  }

  /** A custom version_table is left out of snapshot comparisons (alembic_version always is). */
  noteVersionTable(t: [string, string | null] | undefined | null): void {
    if (t === undefined || t === null) return;
    const name = t[1] !== null && t[1] !== undefined ? `${t[1]}.${t[0]}` : t[0];
    if (name !== 'alembic_version' && !this.versionTables.includes(name)) this.versionTables.push(name);
  }

  private readonly dataErrorsSeen = new Set<string>();

  /**
   * Rows of revision_data the helper could not insert: one revision-data-failed finding per row,
   * at its configuration line (or in the Python file that defines it), whichever walk hit it.
   */
  noteDataErrors(errors: unknown): void {
    if (!Array.isArray(errors)) return;
    for (const e of errors as DataError[]) {
      const key = JSON.stringify([e.revision, e.when, e.source, e.line ?? null, e.index ?? null, e.table ?? null, e.message]);
      if (this.dataErrorsSeen.has(key)) continue;
      this.dataErrorsSeen.add(key);
      const fromModule = e.source === 'module';
      const file = fromModule ? this.rel(e.path) : this.rel(this.project.settings.revisionData?.file);
      const what = fromModule ? `${e.name}[${JSON.stringify(e.revision)}][${e.index ?? 0}]` : `revision_data.${e.ref ?? e.revision}.${e.when}${e.index !== undefined && e.index !== null ? `[${e.index}]` : ''}`;
      this.add({
        rule: 'revision-data-failed',
        message: `${what}${e.table !== undefined && e.table !== null ? ` (table ${e.table})` : ''} could not be inserted ${e.when === 'before' ? 'before' : 'right after'} the upgrade of ${e.revision}: ${oneLine(e.message)}.`,
        file,
        ...(e.line !== undefined && e.line !== null ? { line: e.line } : {}),
        revision: e.revision,
        fix: 'Write the row as the table is at that revision: the columns it has then, every NOT NULL column without a default, and rows its foreign keys point to.',
      });
    }
  }

  commandTimeout(steps: number): number {
    return (this.stepTimeout + 30) * 1000 * Math.max(1, steps) + 60_000;
  }
}
