/**
 * Front end 2: SQL → operations, with libpg-query (PostgreSQL's own parser, compiled to wasm).
 *
 * Takes either the SQL of one `op.execute(...)` call, or the offline SQL (`alembic upgrade --sql`)
 * of one revision: Alembic's `-- Running upgrade A -> B` comments are comments to the parser, the
 * `alembic_version` bookkeeping (CREATE TABLE, INSERT, UPDATE, DELETE) is dropped, and BEGIN /
 * COMMIT statements (the autocommit blocks) come out as TransactionControl operations, from which
 * the build stage derives each operation's transaction state.
 *
 * The wasm module loads once, on first use: `loadSqlParser()` must be awaited before the
 * synchronous functions here are called (buildOperations does so only when a file has SQL).
 */
import { createRequire } from 'node:module';
import type PgQuery from 'libpg-query';

// libpg-query is CommonJS: required on first use, so runs whose SQL all comes from the cache
// never load its JavaScript or wasm.
const requireCjs = createRequire(import.meta.url);
let pgModule: typeof PgQuery | undefined;
function pgq(): typeof PgQuery {
  return (pgModule ??= requireCjs('libpg-query') as typeof PgQuery);
}
import type { Location, OpCall } from '../model.js';
import type { ColumnSpec, ConstraintSpec, ConstraintType, DefaultSpec, OpSource, QualifiedName, TypeSpec } from './model.js';
import { draftBase, type OpDraft } from './draft.js';
import { SERIAL_TYPES, STABLE_FUNCTIONS, VOLATILE_FUNCTIONS, normalizeSqlTypeName } from './types.js';

// ---------------------------------------------------------------------------------------------
// Loading

let loaded: Promise<void> | undefined;
let ready = false;
/** Milliseconds the wasm module took to load (0 until loaded), for the benchmark. */
export let sqlParserLoadMs = 0;

/** Load libpg-query's wasm module (once). */
export function loadSqlParser(): Promise<void> {
  if (loaded === undefined) {
    const started = performance.now();
    loaded = pgq().loadModule().then(() => {
      ready = true;
      sqlParserLoadMs = performance.now() - started;
    });
  }
  return loaded;
}

export function sqlParserReady(): boolean {
  return ready;
}

// ---------------------------------------------------------------------------------------------
// Loose AST access: libpg-query returns plain JSON; defaults (false, 0, "") are omitted.

type Node = Record<string, unknown>;

function obj(v: unknown): Node | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Node) : undefined;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function s(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
/** `{ String: { sval } }` lists → strings. */
function strings(v: unknown): string[] {
  return arr(v)
    .map((x) => s(obj(obj(x)?.['String'])?.['sval']))
    .filter((x): x is string => x !== undefined);
}
/** The single key of a node wrapper (`{ IndexStmt: {...} }` → ['IndexStmt', {...}]). */
function unwrap(v: unknown): [string, Node] | undefined {
  const o = obj(v);
  if (o === undefined) return undefined;
  const k = Object.keys(o)[0];
  if (k === undefined) return undefined;
  const inner = obj(o[k]);
  return inner === undefined ? undefined : [k, inner];
}

function rangeVar(v: unknown): QualifiedName {
  const o = obj(v) ?? {};
  const name = s(o['relname']) ?? '?';
  const schema = s(o['schemaname']);
  return schema !== undefined ? { schema, name } : { name };
}

function qualifiedFromList(names: string[]): QualifiedName {
  const name = names[names.length - 1] ?? '?';
  return names.length > 1 ? { schema: names.slice(0, -1).join('.'), name } : { name };
}

/** Names of every function called in an expression tree; SQLValueFunction (CURRENT_TIMESTAMP) counts as `now`. */
function functionNames(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const x of node) functionNames(x, out);
    return out;
  }
  const o = obj(node);
  if (o === undefined) return out;
  for (const [k, v] of Object.entries(o)) {
    if (k === 'FuncCall') {
      const names = strings(obj(v)?.['funcname']);
      const last = names[names.length - 1];
      if (last !== undefined) out.push(last.toLowerCase());
    } else if (k === 'SQLValueFunction') out.push('now');
    functionNames(v, out);
  }
  return out;
}

function volatilityOf(expr: unknown): DefaultSpec['volatility'] {
  let result: DefaultSpec['volatility'] = 'constant';
  for (const fn of functionNames(expr)) {
    if (VOLATILE_FUNCTIONS.has(fn)) return 'volatile';
    if (!STABLE_FUNCTIONS.has(fn)) result = 'unknown';
  }
  return result;
}

function typeFromSql(tn: unknown, text: string): TypeSpec {
  const o = obj(tn) ?? {};
  const names = strings(o['names']);
  const raw = (names[names.length - 1] ?? 'unknown').toLowerCase();
  const params = arr(o['typmods'])
    .map((m) => {
      const c = obj(obj(m)?.['A_Const']);
      const iv = obj(c?.['ival']);
      return iv !== undefined ? (typeof iv['ival'] === 'number' ? (iv['ival'] as number) : 0) : undefined;
    })
    .filter((n): n is number => n !== undefined);
  return { name: normalizeSqlTypeName(raw), params, arrayDims: arr(o['arrayBounds']).length, text };
}

function constraintType(contype: string | undefined): ConstraintType | undefined {
  switch (contype) {
    case 'CONSTR_PRIMARY':
      return 'primary-key';
    case 'CONSTR_UNIQUE':
      return 'unique';
    case 'CONSTR_FOREIGN':
      return 'foreign-key';
    case 'CONSTR_CHECK':
      return 'check';
    case 'CONSTR_EXCLUSION':
      return 'exclusion';
    case 'CONSTR_NOTNULL':
      return 'not-null';
    default:
      return undefined;
  }
}

function constraintFromSql(c: Node, columnName?: string): ConstraintSpec | undefined {
  const type = constraintType(s(c['contype']));
  if (type === undefined) return undefined;
  const keys = strings(c['keys']);
  const fkAttrs = strings(c['fk_attrs']);
  const columns = type === 'foreign-key' ? (fkAttrs.length > 0 ? fkAttrs : columnName !== undefined ? [columnName] : []) : keys.length > 0 ? keys : columnName !== undefined ? [columnName] : [];
  const spec: ConstraintSpec = { type, name: s(c['conname']) ?? null, columns, notValid: c['skip_validation'] === true };
  if (type === 'foreign-key') spec.references = { table: rangeVar(c['pktable']), columns: strings(c['pk_attrs']) };
  const idx = s(c['indexname']);
  if (idx !== undefined) spec.usingIndex = idx;
  return spec;
}

function columnFromSql(cd: Node, text: string): ColumnSpec {
  const typeNames = strings(obj(cd['typeName'])?.['names']);
  const rawType = (typeNames[typeNames.length - 1] ?? '').toLowerCase();
  const name = s(cd['colname']) ?? null;
  const col: ColumnSpec = {
    name,
    type: typeFromSql(cd['typeName'], text),
    nullable: true,
    nullableExplicit: false,
    primaryKey: false,
    unique: false,
    index: false,
    identity: false,
    serial: SERIAL_TYPES.has(rawType),
    foreignKeys: [],
  };
  for (const x of arr(cd['constraints'])) {
    const c = obj(obj(x)?.['Constraint']);
    if (c === undefined) continue;
    switch (s(c['contype'])) {
      case 'CONSTR_NOTNULL':
        col.nullable = false;
        col.nullableExplicit = true;
        break;
      case 'CONSTR_NULL':
        col.nullableExplicit = true;
        break;
      case 'CONSTR_PRIMARY':
        col.primaryKey = true;
        col.nullable = false;
        break;
      case 'CONSTR_UNIQUE':
        col.unique = true;
        break;
      case 'CONSTR_DEFAULT':
        col.serverDefault = { text, volatility: volatilityOf(c['raw_expr']) };
        break;
      case 'CONSTR_IDENTITY':
        col.identity = true;
        col.nullable = false;
        break;
      case 'CONSTR_GENERATED':
        col.generated = s(c['generated_kind']) === 'v' || c['generated_kind'] === 'ATTRIBUTE_GENERATED_VIRTUAL' ? 'virtual' : 'stored';
        break;
      case 'CONSTR_FOREIGN': {
        const fk = constraintFromSql(c, name ?? undefined);
        if (fk !== undefined) col.foreignKeys.push(fk);
        break;
      }
    }
  }
  return col;
}

// ---------------------------------------------------------------------------------------------
// Statement positions. libpg-query reports UTF-8 byte offsets; strings here are UTF-16.

class SqlText {
  readonly bytes: Buffer | undefined;
  constructor(readonly text: string) {
    // eslint-disable-next-line no-control-regex
    this.bytes = /[^\x00-\x7f]/.test(text) ? Buffer.from(text, 'utf8') : undefined;
  }
  /** Byte offset → string index. */
  index(byteOffset: number): number {
    if (this.bytes === undefined) return byteOffset;
    return this.bytes.subarray(0, byteOffset).toString('utf8').length;
  }
  slice(byteStart: number, byteEnd?: number): string {
    if (this.bytes === undefined) return this.text.slice(byteStart, byteEnd);
    return this.bytes.subarray(byteStart, byteEnd).toString('utf8');
  }
}

/** Skip whitespace and comments from `i`; return the index of the first real character. */
function skipTrivia(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') i++;
    else if (c === '-' && text[i + 1] === '-') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else break;
  }
  return i;
}

function lineCol(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < index; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: index - last };
}

/**
 * Replace SQLAlchemy `text()` bind parameters (`:name`) with `$1`, padded to the same length so
 * offsets stay valid. Quotes, comments, dollar quotes and `::` casts are left alone; `\:` (an
 * escaped colon in text()) becomes a plain colon.
 */
export function neutralizeBindParams(sql: string): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      const end = j < 0 ? n : j;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (m !== null) {
        const tag = m[0];
        const end = sql.indexOf(tag, i + tag.length);
        const stop = end < 0 ? n : end + tag.length;
        out += sql.slice(i, stop);
        i = stop;
      } else {
        out += c;
        i++;
      }
    } else if (c === '\\' && sql[i + 1] === ':') {
      out += ' :';
      i += 2;
    } else if (c === ':' && sql[i + 1] === ':') {
      out += '::';
      i += 2;
    } else if (c === ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '') && sql[i - 1] !== ':') {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
      out += '$1'.padEnd(j - i, ' ');
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Statements → operations

export interface SqlFrontEndOptions {
  /** `op.execute` call the SQL came from: every operation points at it. */
  call?: OpCall;
  /** Replace `:name` bind parameters before parsing (SQL written for `sa.text()`). */
  bindParams?: boolean;
  /** Line of the SQL text's first line in its file (offline SQL files), default 1. */
  firstLine?: number;
}

interface RawStatement {
  /** Parsed statement node, or undefined when this piece did not parse. */
  node?: unknown;
  text: string;
  /** String index of the first real character in the SQL text. */
  start: number;
  error?: string;
}

/** Split SQL into statements with the scanner (quotes, dollar quotes, comments respected). */
function splitStatements(sql: string, st: SqlText): { start: number; end: number }[] | undefined {
  let tokens: { start: number; end: number; text: string }[];
  try {
    tokens = pgq().scanSync(sql).tokens;
  } catch {
    return undefined;
  }
  const out: { start: number; end: number }[] = [];
  let start = 0;
  for (const t of tokens) {
    if (t.text === ';') {
      out.push({ start, end: t.start });
      start = t.end;
    }
  }
  out.push({ start, end: st.bytes?.length ?? sql.length });
  return out;
}

function rawStatements(sql: string): RawStatement[] {
  const st = new SqlText(sql);
  try {
    const res = pgq().parseSync(sql) as unknown as { stmts?: { stmt: unknown; stmt_location?: number; stmt_len?: number }[] };
    return (res.stmts ?? []).map((x) => {
      const from = x.stmt_location ?? 0;
      const text = st.slice(from, x.stmt_len !== undefined && x.stmt_len > 0 ? from + x.stmt_len : undefined);
      const lead = skipTrivia(text, 0);
      return { node: x.stmt, text: text.slice(lead).trim(), start: st.index(from) + lead };
    });
  } catch (e) {
    // One bad statement fails the whole parse: split and parse piece by piece.
    const pieces = splitStatements(sql, st);
    if (pieces === undefined) return [{ text: sql.trim(), start: skipTrivia(sql, 0), error: errorMessage(e) }];
    const out: RawStatement[] = [];
    for (const p of pieces) {
      const text = st.slice(p.start, p.end);
      const lead = skipTrivia(text, 0);
      if (lead >= text.length) continue;
      const start = st.index(p.start) + lead;
      try {
        const res = pgq().parseSync(text) as unknown as { stmts?: { stmt: unknown }[] };
        for (const x of res.stmts ?? []) out.push({ node: x.stmt, text: text.slice(lead).trim(), start });
      } catch (err) {
        out.push({ text: text.slice(lead).trim(), start, error: errorMessage(err) });
      }
    }
    return out;
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isAlembicVersion(t: QualifiedName | null | undefined): boolean {
  return t !== null && t !== undefined && t.name.toLowerCase() === 'alembic_version';
}

/** Transaction statements by libpg-query kind. */
const TXN: Record<string, 'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollback-to' | 'prepare'> = {
  TRANS_STMT_BEGIN: 'begin',
  TRANS_STMT_START: 'begin',
  TRANS_STMT_COMMIT: 'commit',
  TRANS_STMT_ROLLBACK: 'rollback',
  TRANS_STMT_SAVEPOINT: 'savepoint',
  TRANS_STMT_RELEASE: 'release',
  TRANS_STMT_ROLLBACK_TO: 'rollback-to',
  TRANS_STMT_PREPARE: 'prepare',
  TRANS_STMT_COMMIT_PREPARED: 'commit',
  TRANS_STMT_ROLLBACK_PREPARED: 'rollback',
};

function statementOps(type: string, n: Node, text: string, base: { loc: Location; source: OpSource }): OpDraft[] {
  const other = (table: QualifiedName | null = null): OpDraft[] => [{ ...base, kind: 'other-sql', statementType: type.replace(/Stmt$/, ''), table }];
  switch (type) {
    case 'IndexStmt': {
      const cols = arr(n['indexParams']).map((p) => s(obj(obj(p)?.['IndexElem'])?.['name']) ?? '(expression)');
      return [
        {
          ...base,
          kind: 'create-index',
          table: rangeVar(n['relation']),
          name: s(n['idxname']) ?? null,
          columns: cols,
          unique: n['unique'] === true,
          concurrently: n['concurrent'] === true,
          ifNotExists: n['if_not_exists'] === true,
          ...(n['whereClause'] !== undefined ? { where: 'WHERE …' } : {}),
        },
      ];
    }
    case 'DropStmt': {
      const objects = arr(n['objects']).map((o) => qualifiedFromList(strings(obj(o)?.['List'] !== undefined ? obj(obj(o)!['List'])!['items'] : [o])));
      const ifExists = n['missing_ok'] === true;
      const cascade = n['behavior'] === 'DROP_CASCADE';
      switch (s(n['removeType'])) {
        case 'OBJECT_INDEX':
          return objects.map((o) => ({ ...base, kind: 'drop-index' as const, name: o.name, concurrently: n['concurrent'] === true, ifExists }));
        case 'OBJECT_TABLE':
          return objects.map((table) => ({ ...base, kind: 'drop-table' as const, table, ifExists, cascade }));
        case 'OBJECT_TYPE': {
          // DROP TYPE names come as TypeName nodes.
          const names = arr(n['objects']).map((o) => qualifiedFromList(strings(obj(obj(o)?.['TypeName'])?.['names'])));
          return names.map((typeName) => ({ ...base, kind: 'drop-type' as const, typeName, ifExists }));
        }
        default:
          return other();
      }
    }
    case 'AlterTableStmt': {
      if (n['objtype'] !== 'OBJECT_TABLE') return other();
      const table = rangeVar(n['relation']);
      const ops: OpDraft[] = [];
      for (const c of arr(n['cmds'])) {
        const cmd = obj(obj(c)?.['AlterTableCmd']);
        if (cmd === undefined) continue;
        const name = s(cmd['name']) ?? '?';
        const def = obj(cmd['def']);
        switch (s(cmd['subtype'])) {
          case 'AT_AddColumn': {
            const cd = obj(def?.['ColumnDef']);
            if (cd === undefined) break;
            const column = columnFromSql(cd, text);
            ops.push({ ...base, kind: 'add-column', table, column, ifNotExists: cmd['missing_ok'] === true });
            for (const fk of column.foreignKeys) ops.push({ ...base, kind: 'add-constraint', table, constraint: fk });
            if (column.primaryKey) ops.push({ ...base, kind: 'add-constraint', table, constraint: { type: 'primary-key', name: null, columns: [column.name ?? '?'], notValid: false } });
            if (column.unique) ops.push({ ...base, kind: 'add-constraint', table, constraint: { type: 'unique', name: null, columns: [column.name ?? '?'], notValid: false } });
            break;
          }
          case 'AT_DropColumn':
            ops.push({ ...base, kind: 'drop-column', table, column: name, ifExists: cmd['missing_ok'] === true, cascade: cmd['behavior'] === 'DROP_CASCADE' });
            break;
          case 'AT_AlterColumnType': {
            const cd = obj(def?.['ColumnDef']) ?? {};
            ops.push({ ...base, kind: 'alter-column-type', table, column: name, to: typeFromSql(cd['typeName'], text), ...(cd['raw_default'] !== undefined ? { using: 'USING …' } : {}) });
            break;
          }
          case 'AT_SetNotNull':
            ops.push({ ...base, kind: 'set-not-null', table, column: name });
            break;
          case 'AT_DropNotNull':
            ops.push({ ...base, kind: 'drop-not-null', table, column: name });
            break;
          case 'AT_ColumnDefault':
            ops.push({ ...base, kind: 'set-default', table, column: name, default: def !== undefined ? { text, volatility: volatilityOf(def) } : null });
            break;
          case 'AT_AddConstraint': {
            const con = obj(def?.['Constraint']);
            const spec = con !== undefined ? constraintFromSql(con) : undefined;
            if (spec !== undefined) ops.push({ ...base, kind: 'add-constraint', table, constraint: spec });
            else ops.push({ ...base, kind: 'other-sql', statementType: 'AlterTable AddConstraint', table });
            break;
          }
          case 'AT_ValidateConstraint':
            ops.push({ ...base, kind: 'validate-constraint', table, name });
            break;
          case 'AT_DropConstraint':
            ops.push({ ...base, kind: 'drop-constraint', table, name, ifExists: cmd['missing_ok'] === true });
            break;
          default:
            ops.push({ ...base, kind: 'other-sql', statementType: `AlterTable ${(s(cmd['subtype']) ?? '').replace(/^AT_/, '')}`, table });
        }
      }
      return ops;
    }
    case 'RenameStmt': {
      const table = rangeVar(n['relation']);
      switch (s(n['renameType'])) {
        case 'OBJECT_COLUMN':
          return [{ ...base, kind: 'rename-column', table, column: s(n['subname']) ?? '?', newName: s(n['newname']) ?? '?' }];
        case 'OBJECT_TABLE':
          return [{ ...base, kind: 'rename-table', table, newName: s(n['newname']) ?? '?' }];
        default:
          return other(n['relation'] !== undefined ? table : null);
      }
    }
    case 'CreateStmt': {
      const table = rangeVar(n['relation']);
      const columns: ColumnSpec[] = [];
      const constraints: ConstraintSpec[] = [];
      for (const e of arr(n['tableElts'])) {
        const u = unwrap(e);
        if (u === undefined) continue;
        if (u[0] === 'ColumnDef') {
          const col = columnFromSql(u[1], text);
          columns.push(col);
          constraints.push(...col.foreignKeys);
        } else if (u[0] === 'Constraint') {
          const c = constraintFromSql(u[1]);
          if (c !== undefined) constraints.push(c);
        }
      }
      return [{ ...base, kind: 'create-table', table, columns, constraints, ifNotExists: n['if_not_exists'] === true }];
    }
    case 'CreateTableAsStmt': {
      // CREATE TABLE ... AS SELECT: a new table (a materialized view is not one we track).
      if (n['objtype'] !== 'OBJECT_TABLE') return other();
      const table = rangeVar(obj(n['into'])?.['rel']);
      return [{ ...base, kind: 'create-table', table, columns: [], constraints: [], ifNotExists: n['if_not_exists'] === true }];
    }
    case 'CreateEnumStmt': {
      const values = arr(n['vals']).map((v) => s(obj(obj(v)?.['String'])?.['sval']) ?? '');
      return [{ ...base, kind: 'create-type', typeName: qualifiedFromList(strings(n['typeName'])), enumValues: values }];
    }
    case 'AlterEnumStmt': {
      const typeName = qualifiedFromList(strings(n['typeName']));
      const oldVal = s(n['oldVal']);
      if (oldVal !== undefined) return [{ ...base, kind: 'alter-type-rename-value', typeName, value: oldVal, newValue: s(n['newVal']) ?? '?' }];
      const neighbor = s(n['newValNeighbor']);
      return [
        {
          ...base,
          kind: 'alter-type-add-value',
          typeName,
          value: s(n['newVal']) ?? '?',
          ifNotExists: n['skipIfNewValExists'] === true,
          ...(neighbor !== undefined ? (n['newValIsAfter'] === true ? { after: neighbor } : { before: neighbor }) : {}),
        },
      ];
    }
    case 'TruncateStmt':
      return [{ ...base, kind: 'truncate', tables: arr(n['relations']).map((r) => rangeVar(obj(r)?.['RangeVar'])), cascade: n['behavior'] === 'DROP_CASCADE' }];
    case 'ReindexStmt': {
      const kinds: Record<string, 'index' | 'table' | 'schema' | 'database' | 'system'> = {
        REINDEX_OBJECT_INDEX: 'index',
        REINDEX_OBJECT_TABLE: 'table',
        REINDEX_OBJECT_SCHEMA: 'schema',
        REINDEX_OBJECT_DATABASE: 'database',
        REINDEX_OBJECT_SYSTEM: 'system',
      };
      const target = kinds[s(n['kind']) ?? ''] ?? 'index';
      const concurrently = arr(n['params']).some((p) => s(obj(obj(p)?.['DefElem'])?.['defname']) === 'concurrently');
      const name = n['relation'] !== undefined ? rangeVar(n['relation']) : s(n['name']) !== undefined ? { name: s(n['name'])! } : null;
      return [{ ...base, kind: 'reindex', target, name, concurrently }];
    }
    case 'UpdateStmt':
    case 'DeleteStmt':
    case 'InsertStmt': {
      const table = rangeVar(n['relation']);
      if (isAlembicVersion(table)) return [];
      const statement = type === 'UpdateStmt' ? 'update' : type === 'DeleteStmt' ? 'delete' : 'insert';
      let hasWhere = n['whereClause'] !== undefined;
      let literalRows = false;
      if (type === 'InsertStmt') {
        const sel = obj(obj(n['selectStmt'])?.['SelectStmt']);
        literalRows = sel !== undefined && sel['valuesLists'] !== undefined;
        hasWhere = sel?.['whereClause'] !== undefined;
      }
      return [{ ...base, kind: 'data-change', statement, table, hasWhere, literalRows }];
    }
    case 'VariableSetStmt': {
      const kind = s(n['kind']);
      const name = (s(n['name']) ?? '').toLowerCase();
      if (kind === 'VAR_RESET_ALL') return [{ ...base, kind: 'set-setting', name: 'all', value: null, local: false }];
      if (kind === 'VAR_SET_MULTI') return other();
      const value =
        kind === 'VAR_SET_VALUE'
          ? arr(n['args'])
              .map((a) => {
                const c = obj(obj(a)?.['A_Const']);
                const sv = s(obj(c?.['sval'])?.['sval']);
                if (sv !== undefined) return sv;
                const iv = obj(c?.['ival']);
                if (iv !== undefined) return String(typeof iv['ival'] === 'number' ? iv['ival'] : 0);
                return '?';
              })
              .join(', ')
          : null;
      return [{ ...base, kind: 'set-setting', name, value, local: n['is_local'] === true }];
    }
    case 'TransactionStmt':
      return [{ ...base, kind: 'transaction-control', statement: TXN[s(n['kind']) ?? ''] ?? 'other' }];
    case 'SelectStmt': {
      // set_config('lock_timeout', '5s', is_local) is the functional SET.
      const calls = functionNames(n['targetList']);
      if (calls.includes('set_config')) return setConfig(n, base) ?? other();
      return other();
    }
    default:
      return other();
  }
}

/** `SELECT set_config('lock_timeout', '5s', false)` → set-setting. */
function setConfig(n: Node, base: { loc: Location; source: OpSource }): OpDraft[] | undefined {
  for (const t of arr(n['targetList'])) {
    const fc = obj(obj(obj(obj(t)?.['ResTarget'])?.['val'])?.['FuncCall']);
    if (fc === undefined) continue;
    const names = strings(fc['funcname']);
    if (names[names.length - 1]?.toLowerCase() !== 'set_config') continue;
    const args = arr(fc['args']).map((a) => obj(obj(a)?.['A_Const']));
    const name = s(obj(args[0]?.['sval'])?.['sval']);
    const value = s(obj(args[1]?.['sval'])?.['sval']);
    const local = obj(args[2]?.['boolval'])?.['boolval'] === true;
    if (name === undefined) return undefined;
    return [{ ...base, kind: 'set-setting', name: name.toLowerCase(), value: value ?? null, local }];
  }
  return undefined;
}

/**
 * Turn SQL into operations (the wasm module must be loaded: `await loadSqlParser()`). With
 * `options.call`, every operation points at that `op.execute` call; otherwise at the statement's
 * line in the SQL text. A statement that does not parse becomes `unanalyzable`.
 */
export function operationsFromSql(sql: string, options: SqlFrontEndOptions = {}): OpDraft[] {
  if (!ready) throw new Error('operationsFromSql: call `await loadSqlParser()` first');
  const text = options.bindParams ? neutralizeBindParams(sql) : sql;
  const firstLine = options.firstLine ?? 1;
  const out: OpDraft[] = [];
  // Line/column by walking the text once, in statement order.
  let scanned = 0;
  let line = 1;
  let lastNl = -1;
  const at = (index: number): { line: number; column: number } => {
    for (; scanned < index; scanned++) {
      if (text.charCodeAt(scanned) === 10) {
        line++;
        lastNl = scanned;
      }
    }
    return { line, column: index - lastNl };
  };
  for (const raw of rawStatements(text)) {
    const pos = at(raw.start);
    const statement = sql.slice(raw.start, raw.start + raw.text.length);
    const source: OpSource = {
      kind: 'sql',
      ...(options.call ? { call: options.call } : {}),
      statement,
      sqlLine: pos.line,
      sqlColumn: pos.column,
    };
    const loc: Location = options.call
      ? options.call.loc
      : { line: pos.line + firstLine - 1, column: pos.column, endLine: pos.line + firstLine - 1, endColumn: pos.column + Math.max(1, statement.split('\n')[0]!.length) };
    const base = draftBase(loc, source);
    if (raw.node === undefined) {
      out.push({ ...base, kind: 'unanalyzable', reason: `the SQL does not parse: ${raw.error ?? 'syntax error'}`, text: statement });
      continue;
    }
    const u = unwrap(raw.node);
    if (u === undefined) continue;
    const [type, node] = u;
    if (type === 'CreateStmt' && isAlembicVersion(rangeVar(node['relation']))) continue;
    out.push(...statementOps(type, node, statement, base));
  }
  return out;
}

/** One `-- Running upgrade A -> B` section of offline SQL. */
export interface OfflineSection {
  direction: 'upgrade' | 'downgrade';
  /** Revisions before and after the step, as Alembic prints them (comma-separated lists split). */
  from: string[];
  to: string[];
  sql: string;
  /** 1-based line of the section's first SQL line in the whole output. */
  firstLine: number;
}

/**
 * Split `alembic upgrade --sql` output into its per-revision sections, on Alembic's
 * `-- Running upgrade A -> B` markers (alembic/runtime/migration.py, `short_log`). Text before the
 * first marker (the alembic_version table, the first BEGIN) is returned as `preamble`.
 */
export function splitOfflineSql(output: string): { preamble: string; sections: OfflineSection[] } {
  const lines = output.split('\n');
  const sections: OfflineSection[] = [];
  const preamble: string[] = [];
  let current: { head: OfflineSection; body: string[] } | undefined;
  const flush = (): void => {
    if (current !== undefined) sections.push({ ...current.head, sql: current.body.join('\n') });
  };
  lines.forEach((l, i) => {
    const m = /^-- Running (upgrade|downgrade) (.*?) -> (.*)$/.exec(l.trimEnd());
    if (m !== null) {
      flush();
      const list = (x: string): string[] => x.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
      current = { head: { direction: m[1] as 'upgrade' | 'downgrade', from: list(m[2]!), to: list(m[3]!), sql: '', firstLine: i + 2 }, body: [] };
    } else if (current !== undefined) current.body.push(l);
    else preamble.push(l);
  });
  flush();
  return { preamble: preamble.join('\n'), sections };
}
