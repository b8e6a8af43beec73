/**
 * The data model shared by every stage: project → source → graph → ops → rules → report.
 * Plain data only; no I/O here.
 */

export type Severity = 'error' | 'warning' | 'info';
export type ConfiguredSeverity = Severity | 'off';

/** 1-based line and column, as editors and SARIF count them. */
export interface Location {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** A finding is data. Rules return them; reporters format them. */
export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  /** Relative to the project root (the directory holding the config file), forward slashes. */
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  revision?: string;
  /** What to do instead, one or two sentences. */
  fix?: string;
  /** A static finding the lock trace observed on the database (`alembic-guard check`). */
  confirmed?: true;
}

/** What a rule returns; the engine fills in the severity from the rule and the configuration. */
export type FindingDraft = Omit<Finding, 'severity' | 'rule'> & { severity?: Severity };

// ---------------------------------------------------------------------------------------------
// Python values, read statically from the source (tree-sitter). Every value keeps its source text
// and location so that rules can quote and point at it.

interface PyBase {
  text: string;
  loc: Location;
}
export type PyValue = PyBase &
  (
    | { kind: 'str'; value: string }
    /** f-strings and anything else that is only known at run time. */
    | { kind: 'fstring' }
    | { kind: 'int' | 'float'; value: number }
    | { kind: 'bool'; value: boolean }
    | { kind: 'none' }
    | { kind: 'tuple' | 'list' | 'set'; items: PyValue[] }
    | { kind: 'dict'; entries: { key: PyValue; value: PyValue }[] }
    /** An identifier or dotted attribute chain: `sa.Integer`, `postgresql.ENUM`, `MY_CONST`. */
    | { kind: 'name'; name: string }
    /**
     * A call: `sa.Column('id', sa.Integer(), nullable=False)`; `func` is the dotted callee (its
     * source text when it is not a dotted name). `on`: the value a method is called on when that
     * is not a dotted name (`sa.Text().with_variant(...)` → the `sa.Text()` call).
     */
    | { kind: 'call'; func: string; args: PyValue[]; kwargs: Record<string, PyValue>; on?: PyValue }
    /** String concatenation, `%` formatting, `.format()`, subscripts, lambdas, anything else. */
    | { kind: 'other' }
  );

export interface ImportInfo {
  /** Absolute module path (`app.models`), or the relative form with leading dots (`..models`). */
  module: string;
  /** Imported names (`from x import a, b` → [a, b]); empty for `import x`. */
  names: string[];
  line: number;
  column: number;
  /** Inside upgrade()/downgrade() or another function, rather than at module level. */
  inFunction: boolean;
}

export type BodyKind =
  /** Only `pass`, `...`, a docstring, or comments. */
  | 'empty'
  /** The body raises NotImplementedError (possibly after a docstring): explicitly irreversible. */
  | 'raises-not-implemented'
  | 'code';

export interface FunctionInfo {
  name: string;
  /** The whole `def` including decorators. */
  loc: Location;
  /** The body block. */
  bodyLoc: Location;
  bodyKind: BodyKind;
}

/**
 * The dialects a statement can run on, read from the `if` tests on the dialect's name around it
 * (`if op.get_bind().dialect.name == "sqlite":`, a `dialect` variable, `elif`/`else`, an early
 * `return`): `only` these, or every dialect `except` these. Names as SQLAlchemy spells them.
 */
export type DialectGuard = { only: string[] } | { except: string[] };

/** A call from one top-level function of the module to another (`_drop_indexes()` inside downgrade()). */
export interface HelperCall {
  /** The calling top-level function. */
  from: string;
  /** The module-level function called. */
  to: string;
  line: number;
  /** Set when the call sits in a dialect branch. */
  dialects?: DialectGuard;
}

/** One `op.*` (or `batch_op.*`) call, in source order. */
export interface OpCall {
  /** The operation name: `create_index`, `execute`, `add_column`, `alter_column` … */
  name: string;
  /** The receiver as written: `op`, or the alias of `with op.batch_alter_table(...) as batch_op`. */
  receiver: string;
  /** The enclosing top-level function: `upgrade`, `downgrade`, or another helper's name. */
  function: string;
  args: PyValue[];
  kwargs: Record<string, PyValue>;
  /** Location of the whole call expression. */
  loc: Location;
  /** Set when inside `with op.batch_alter_table(...) as x:`: that call's own arguments. */
  batch?: { args: PyValue[]; kwargs: Record<string, PyValue>; loc: Location };
  /** Inside `with op.get_context().autocommit_block():` (or `context.autocommit_block()`). */
  autocommit: boolean;
  /** Set when the call sits in a dialect branch: the dialects it runs on. */
  dialects?: DialectGuard;
}

export interface IgnoreComment {
  /** The line the comment is on. It suppresses findings on this line and on the next code line. */
  line: number;
  /** Rule ids; empty means every rule. */
  rules: string[];
  /** `ignore-file[...]`: applies to the whole file. */
  file: boolean;
}

/** A revision identifier variable (`revision`, `down_revision`, …) as read from the source. */
export interface IdentifierField<T> {
  value: T;
  /** Where the assignment is; absent when the variable is not assigned (default applies). */
  loc?: Location;
  /**
   * Set when the variable is assigned but its value cannot be read statically (a name, a call, an
   * f-string; a ParseProblem says which). `value` is then only a placeholder (null / []): the
   * graph should not conclude "base" or "no labels" from it.
   */
  unreadable?: true;
}

/** A problem that keeps a file from being read statically: becomes `unparseable-migration`. */
export interface ParseProblem {
  message: string;
  line: number;
  column: number;
  /**
   * What kind of problem: `syntax` (Python cannot parse the file; the tree is tree-sitter's error
   * recovery, so function bodies are unreliable and `opCalls` is left empty), `encoding` (bytes,
   * coding cookie, NUL), `identifier` (a revision variable that cannot be read), `read` (the file
   * could not be read), `internal`.
   */
  kind?: 'syntax' | 'encoding' | 'identifier' | 'read' | 'internal';
}

/** One revision file, read statically. */
export interface MigrationFile {
  /** Path relative to the project root, forward slashes. */
  path: string;
  /** Absolute path on disk. */
  absPath: string;
  /** sha1 of the bytes, for the cache. */
  hash: string;
  /**
   * The revision id. Taken from `revision = ...`, or, when the module has no `revision` variable,
   * from a hex file name as Alembic's legacy rule does. null when neither is possible.
   */
  revision: IdentifierField<string | null>;
  /** True when the id came from the legacy hex file-name rule. */
  revisionFromFilename: boolean;
  /** `down_revision`: null for None (a base); one or more parents otherwise. */
  downRevision: IdentifierField<string[] | null>;
  branchLabels: IdentifierField<string[]>;
  dependsOn: IdentifierField<string[]>;
  docstring: { text: string; loc: Location } | null;
  upgrade: FunctionInfo | null;
  downgrade: FunctionInfo | null;
  imports: ImportInfo[];
  opCalls: OpCall[];
  /** Calls between the module's top-level functions, in source order: which helper runs in which phase. */
  helperCalls: HelperCall[];
  ignores: IgnoreComment[];
  /** Problems that make the file unreadable for the graph (syntax error, non-literal revision …). */
  problems: ParseProblem[];
  /** Number of lines, for reporters that show source. */
  lineCount: number;
}

// ---------------------------------------------------------------------------------------------
// The project, as discovered from alembic.ini / pyproject.toml / flags.

export interface GuardSettings {
  /** Per-rule severity overrides. */
  rules: Record<string, ConfiguredSeverity>;
  /** Revisions whose files are not linted (graph still sees them). */
  skipRevisions: string[];
  /** Heads that may coexist (by revision id or branch label). `true` allows any labelled heads. */
  allowedHeads: string[] | boolean;
  /** Operation rules only report revisions after this one. */
  baseline?: string;
  /** Extra version folders when there is no usable Alembic config. */
  versionLocations: string[];
  recursiveVersionLocations?: boolean;
  /** Target PostgreSQL major version for operation rules. */
  postgresVersion?: number;
  python?: string;
  urlEnv?: string[];
  connectionAttribute?: 'engine' | 'connection';
  downgradeFloor?: string;
  stepTimeoutSeconds?: number;
  /** Rows the trace puts into each pre-existing empty table before a revision (0: none; default 3). */
  traceRows?: number;
  /** "module:function" called with a connection before the first revision on every scratch database. */
  initialSchema?: string;
  /** A SQL file run before the first revision on every scratch database (absolute). */
  initialSchemaSql?: string;
  /** Run every upgrade a second time, stamped back to its parent (not-idempotent). */
  idempotent?: boolean;
  /** Only the revisions after this one (implies idempotent). */
  idempotentSince?: string;
  /** Packages model-registration imports (default: the application's top-level packages). */
  modelPackages?: string[];
  /** Modules model-registration leaves out: names, dotted prefixes or globs. */
  modelExclude?: string[];
  /** Rows a team inserts around revisions, as pytest-alembic's before_revision_data / at_revision_data. */
  revisionData?: RevisionDataSettings;
}

/** One row of `[tool.alembic-guard.revision_data]`: `{ table = "orders", id = 9, … }`. */
export interface RevisionDataRow {
  /** `table` (or pytest-alembic's `__tablename__`), `schema.table` allowed. */
  table: string;
  /** Column values as TOML gives them (dates as ISO text, tables as JSON). */
  values: Record<string, unknown>;
}

export interface RevisionDataSettings {
  /** The pyproject.toml they are read from (absolute; findings point at its lines). */
  file: string;
  /** `[tool.alembic-guard.revision_data.<ref>]`: a revision id, unique prefix or branch label. */
  revisions: { ref: string; line?: number; before: RevisionDataRow[]; at: RevisionDataRow[] }[];
  /** `revision_data = "path.py"`: a Python file with before_revision_data / at_revision_data (absolute). */
  module?: string;
}

export interface Warning {
  message: string;
  file?: string;
  line?: number;
}

export interface Project {
  /** Directory that holds the config file (or cwd when there is none); paths are reported relative to it. */
  root: string;
  /** Absolute path of the config file used, if any (alembic.ini or pyproject.toml). */
  configFile?: string;
  /** Every config file read, absolute (alembic.ini and/or pyproject.toml). */
  configFiles: string[];
  /** The `-n/--name` section (default `alembic`). */
  section: string;
  /** Absolute script_location directory, when known. */
  scriptLocation?: string;
  /** Absolute version directories, in Alembic's order. */
  versionLocations: string[];
  recursiveVersionLocations: boolean;
  sourceless: boolean;
  /** The raw file_template (already un-escaped from %%), default `%(rev)s_%(slug)s`. */
  fileTemplate: string;
  /** `prepend_sys_path` entries, absolute. */
  prependSysPath: string[];
  /** Dialect name from sqlalchemy.url (`postgresql`, `sqlite`, `mysql` …), if known. */
  dialect?: string;
  /** Driver from sqlalchemy.url (`psycopg2`, `asyncpg` …), if given. */
  driver?: string;
  /** `[tool.alembic-guard]` settings, validated. */
  settings: GuardSettings;
  /** Surprises worth telling the user about (e.g. relative script_location resolved against cwd). */
  warnings: Warning[];
}

/** One revision file found on disk that Alembic would load, before parsing. */
export interface RevisionFileRef {
  absPath: string;
  /** Relative to project root, forward slashes. */
  path: string;
  /** The version location it was found in. */
  versionLocation: string;
}

/** One check of a run (the static pass, or a database check), for reporters and the JSON contract. */
export interface CheckResult {
  id: string;
  status: 'passed' | 'failed' | 'skipped';
  message: string;
  durationMs: number;
}
