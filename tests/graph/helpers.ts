/** Literal MigrationFile records for the graph's unit tests. */
import type { GuardSettings, Location, MigrationFile, Project } from '../../src/model.js';

export interface Spec {
  /** null: a file whose revision could not be read. */
  rev: string | null;
  /** down_revision: null (a base), one id, or several (a merge). */
  down?: string | string[] | null;
  labels?: string | string[];
  deps?: string | string[];
  doc?: string;
  path?: string;
  /** Fields assigned something the parser could not read (value is then a placeholder). */
  unreadable?: ('revision' | 'downRevision' | 'branchLabels' | 'dependsOn')[];
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v);

function loc(line: number): Location {
  return { line, column: 1, endLine: line, endColumn: 20 };
}

/**
 * One migration file as the parser would give it: `revision` on line 10, `down_revision` on 11,
 * `branch_labels` on 12, `depends_on` on 13.
 */
export function mf(spec: Spec): MigrationFile {
  const path = spec.path ?? `migrations/versions/${spec.rev ?? 'unknown'}.py`;
  const down = spec.down === undefined || spec.down === null ? null : list(spec.down);
  const file: MigrationFile = {
    path,
    absPath: `/project/${path}`,
    hash: '0'.repeat(40),
    revision: { value: spec.rev, loc: loc(10) },
    revisionFromFilename: false,
    downRevision: { value: down, loc: loc(11) },
    branchLabels: { value: list(spec.labels), loc: loc(12) },
    dependsOn: { value: list(spec.deps), loc: loc(13) },
    docstring: { text: spec.doc ?? `revision ${spec.rev}`, loc: loc(1) },
    upgrade: null,
    downgrade: null,
    imports: [],
    opCalls: [],
    helperCalls: [],
    ignores: [],
    problems: [],
    lineCount: 30,
  };
  for (const field of spec.unreadable ?? []) file[field].unreadable = true;
  return file;
}

/** A chain: mf for each id, each revising the previous one. */
export function chain(ids: string[], first: string | null = null): MigrationFile[] {
  return ids.map((rev, i) => mf({ rev, down: i === 0 ? first : ids[i - 1]! }));
}

/** A project with default settings (and these overrides), for rule contexts. */
export function project(settings: Partial<GuardSettings> = {}): Project {
  return {
    root: '/project',
    configFiles: [],
    section: 'alembic',
    versionLocations: ['/project/migrations/versions'],
    recursiveVersionLocations: false,
    sourceless: false,
    fileTemplate: '%(rev)s_%(slug)s',
    prependSysPath: [],
    settings: { rules: {}, skipRevisions: [], allowedHeads: [], versionLocations: [], ...settings },
    warnings: [],
  };
}
