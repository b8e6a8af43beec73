/**
 * The dangerous-operation model: one normalized list of schema operations per revision, whatever
 * front end produced it (Python `op.*` calls, or SQL from `op.execute(...)` / `alembic upgrade --sql`).
 * Plain data only; no I/O here. Rules read `RuleContext.ops` (an `OpsModel`).
 */
import type { Location, MigrationFile, OpCall } from '../model.js';

/**
 * Default target PostgreSQL major version: the oldest major version upstream still supports.
 * PostgreSQL supports a major version for five years after its initial release; 14 (released
 * 2021-09-30) had its final release on 2026-11-12, so as of late November 2026 the oldest
 * supported major version is 15. Bump this when 15 reaches end of life (November 2027).
 */
export const DEFAULT_POSTGRES_VERSION = 15;

/** A table (or index, type …) name as written, with its schema when one was given. */
export interface QualifiedName {
  schema?: string;
  name: string;
}

/**
 * A column type, normalized to PostgreSQL's spelling where it is known: `integer`, `bigint`,
 * `varchar`, `text`, `numeric`, `timestamp`, `timestamptz`, `boolean`, `jsonb`, `enum` …
 */
export interface TypeSpec {
  /** Normalized name, lower case; `unknown` when the type cannot be read statically. */
  name: string;
  /** Numeric parameters: varchar(255) → [255], numeric(10, 2) → [10, 2]. */
  params: number[];
  /** Array dimensions (`sa.ARRAY(sa.Integer)` → 1). */
  arrayDims: number;
  /** For enums: the PostgreSQL type name and values, when known. */
  enumName?: string;
  enumValues?: string[];
  /** `sa.Enum(..., create_type=False)` / `postgresql.ENUM(..., create_type=False)`. */
  createType?: boolean;
  /** Source text (Python expression or SQL), for messages. */
  text: string;
}

/** A column default or an expression, with what matters for locking: is it volatile? */
export interface DefaultSpec {
  /** Source text (the Python argument, or the SQL expression). */
  text: string;
  /**
   * `constant`: a literal or a stable expression (PostgreSQL 11+ adds the column without a
   * rewrite); `volatile`: `random()`, `gen_random_uuid()`, `clock_timestamp()`, `uuid_generate_v4()`…
   * (rewrites the table); `unknown`: cannot be read statically.
   * `now()` / `CURRENT_TIMESTAMP` are stable, hence `constant`.
   */
  volatility: 'constant' | 'volatile' | 'unknown';
  /** The SQL text of the expression when known (`'active'`, `now()`). */
  sql?: string;
}

export type ConstraintType = 'primary-key' | 'unique' | 'foreign-key' | 'check' | 'exclusion' | 'not-null';

export interface ConstraintSpec {
  type: ConstraintType;
  /** null: unnamed (the database or the naming convention picks the name). */
  name: string | null;
  /** `op.f('name')` / explicit name conventions: true when the name is known to be final. */
  columns: string[];
  /** Foreign keys: the referenced table and columns. */
  references?: { table: QualifiedName; columns: string[] };
  /** `NOT VALID` (`postgresql_not_valid=True`). */
  notValid: boolean;
  /** `ADD CONSTRAINT … USING INDEX idx` (unique / primary key from an existing index). */
  usingIndex?: string;
  /** Check expression text. */
  expression?: string;
  loc?: Location;
}

export interface ColumnSpec {
  /** null when the name cannot be read statically. */
  name: string | null;
  type: TypeSpec;
  /**
   * Effective nullability. SQLAlchemy: `nullable` defaults to `not primary_key`; SQL: NOT NULL /
   * PRIMARY KEY make it false.
   */
  nullable: boolean;
  /** True when `nullable=` (or NOT NULL / NULL) was written explicitly. */
  nullableExplicit: boolean;
  primaryKey: boolean;
  unique: boolean;
  /** `index=True` on `sa.Column`. */
  index: boolean;
  /** `server_default=` / SQL DEFAULT. A Python-side `default=` is not a database default. */
  serverDefault?: DefaultSpec;
  /** `sa.Identity()` / GENERATED … AS IDENTITY. */
  identity: boolean;
  /** `sa.Computed(...)` / GENERATED ALWAYS AS (…) STORED (or VIRTUAL on 18+). */
  generated?: 'stored' | 'virtual';
  /** serial / bigserial / smallserial (SQL), or an integer primary key with autoincrement on create. */
  serial: boolean;
  /** Inline foreign keys (`sa.ForeignKey(...)` / REFERENCES). */
  foreignKeys: ConstraintSpec[];
  loc?: Location;
}

/** Where the operation came from. */
export type OpSource =
  | { kind: 'python'; call: OpCall }
  /**
   * SQL: from `op.execute(...)` (`call` set, the finding points at the call) or from offline SQL
   * (`call` absent; `sqlLine` is the 1-based line in the SQL text).
   */
  | { kind: 'sql'; call?: OpCall; statement: string; sqlLine: number; sqlColumn: number };

/** Context every operation carries. */
export interface OpBase {
  /** The `op.*` call's location (file lines); for offline SQL, the statement's line in the SQL. */
  loc: Location;
  /** Project-relative path of the migration file. */
  file: string;
  /** Revision id, when known. */
  revision: string | null;
  /** `upgrade` or `downgrade` (helpers are attributed to the phase that calls them). */
  phase: 'upgrade' | 'downgrade';
  /** Top-level function the call is in (`upgrade`, `downgrade`, a helper). */
  function: string;
  /**
   * False inside `op.get_context().autocommit_block()` or after a COMMIT in offline SQL; true in
   * the migration's transaction (or after an explicit BEGIN).
   */
  inTransaction: boolean;
  /** True inside `with op.batch_alter_table(...)`. */
  batch: boolean;
  /**
   * The target table was created earlier in the same revision (same phase): it is new and empty,
   * so no CONCURRENTLY / NOT VALID / default caution is needed. False when there is no table.
   */
  tableCreatedInRevision: boolean;
  /** Position in the revision's phase, 0-based, in source order. */
  index: number;
  source: OpSource;
  /**
   * Names given as Python expressions rather than literals (`op.drop_index(index, table_name=t)`,
   * `SqlDataset.__tablename__`): the field then holds the expression's source text, which is not
   * the object's name. `name` is the operation's own index or constraint name.
   */
  computed?: Partial<Record<'table' | 'name' | 'column' | 'newName', string>>;
}

export type Operation = OpBase &
  (
    | { kind: 'create-table'; table: QualifiedName; columns: ColumnSpec[]; constraints: ConstraintSpec[]; ifNotExists: boolean }
    | { kind: 'drop-table'; table: QualifiedName; ifExists: boolean; cascade: boolean }
    | { kind: 'rename-table'; table: QualifiedName; newName: string }
    | { kind: 'add-column'; table: QualifiedName; column: ColumnSpec; ifNotExists: boolean }
    | { kind: 'drop-column'; table: QualifiedName; column: string; ifExists: boolean; cascade: boolean }
    | { kind: 'rename-column'; table: QualifiedName; column: string; newName: string }
    | {
        kind: 'alter-column-type';
        table: QualifiedName;
        column: string;
        /** `existing_type=` in Python; unknown from plain SQL. */
        from?: TypeSpec;
        to: TypeSpec;
        /** `postgresql_using=` / USING expression. */
        using?: string;
      }
    | { kind: 'set-not-null'; table: QualifiedName; column: string; existingType?: TypeSpec }
    | { kind: 'drop-not-null'; table: QualifiedName; column: string }
    /** SET DEFAULT (`default` set) or DROP DEFAULT (`default` null). */
    | { kind: 'set-default'; table: QualifiedName; column: string; default: DefaultSpec | null }
    | {
        kind: 'create-index';
        table: QualifiedName;
        name: string | null;
        columns: string[];
        unique: boolean;
        concurrently: boolean;
        ifNotExists: boolean;
        /** Partial index predicate text. */
        where?: string;
      }
    | { kind: 'drop-index'; table?: QualifiedName; name: string; concurrently: boolean; ifExists: boolean }
    | { kind: 'add-constraint'; table: QualifiedName; constraint: ConstraintSpec }
    | { kind: 'validate-constraint'; table: QualifiedName; name: string }
    | { kind: 'drop-constraint'; table: QualifiedName; name: string | null; constraintType?: ConstraintType; ifExists: boolean }
    | { kind: 'create-type'; typeName: QualifiedName; enumValues?: string[] }
    | { kind: 'alter-type-add-value'; typeName: QualifiedName; value: string; ifNotExists: boolean; before?: string; after?: string }
    | { kind: 'alter-type-rename-value'; typeName: QualifiedName; value: string; newValue: string }
    | { kind: 'drop-type'; typeName: QualifiedName; ifExists: boolean }
    | { kind: 'truncate'; tables: QualifiedName[]; cascade: boolean }
    | { kind: 'reindex'; target: 'index' | 'table' | 'schema' | 'database' | 'system'; name: QualifiedName | null; concurrently: boolean }
    | {
        kind: 'data-change';
        statement: 'update' | 'delete' | 'insert';
        table: QualifiedName | null;
        /** UPDATE/DELETE with a WHERE clause (or INSERT … SELECT with a WHERE). */
        hasWhere: boolean;
        /** `op.bulk_insert` or `INSERT … VALUES` of literal rows. */
        literalRows: boolean;
      }
    | {
        kind: 'set-setting';
        name: string;
        /** null for RESET / SET … TO DEFAULT. */
        value: string | null;
        /** SET LOCAL (transaction scope) vs SET (session scope). */
        local: boolean;
      }
    | { kind: 'transaction-control'; statement: 'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollback-to' | 'prepare' | 'other' }
    /** SQL statements the model does not break down (CREATE FUNCTION, GRANT, COMMENT …). */
    | { kind: 'other-sql'; statementType: string; table: QualifiedName | null }
    /** An f-string, a variable, a value built at run time, or SQL that does not parse. */
    | { kind: 'unanalyzable'; reason: string; text: string }
  );

export type OperationKind = Operation['kind'];
export type OperationOf<K extends OperationKind> = Extract<Operation, { kind: K }>;

/** The operations of one revision file. */
export interface RevisionOps {
  file: MigrationFile;
  revision: string | null;
  /** Operations of `upgrade()` and the helpers it calls, in source order. */
  upgrade: Operation[];
  /** Operations of `downgrade()` and the helpers it calls, in source order. */
  downgrade: Operation[];
}

/** What the ops stage hands to the rules (`RuleContext.ops`). */
export interface OpsModel {
  /** Dialect from sqlalchemy.url; `postgresql` when unknown. */
  dialect: string;
  /** True when the dialect was not configured and PostgreSQL is assumed. */
  dialectAssumed: boolean;
  /** Target PostgreSQL major version (setting, or DEFAULT_POSTGRES_VERSION). */
  postgresVersion: number;
  /** One entry per parsed migration file, in the order of `files`. */
  revisions: RevisionOps[];
  /** By project-relative path. */
  byPath: Map<string, RevisionOps>;
}

/** Lower-case comparison key of a qualified name (PostgreSQL folds unquoted names). */
export function nameKey(n: QualifiedName): string {
  return (n.schema ? `${n.schema}.${n.name}` : n.name).toLowerCase();
}
