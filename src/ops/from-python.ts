/**
 * Front end 1: `op.*` calls (as read statically by the source stage) → operations.
 *
 * Mirrors what Alembic emits for each call on PostgreSQL (alembic/operations/toimpl.py and
 * alembic/ddl/postgresql.py): `alter_column` becomes type → nullability → default → rename;
 * `add_column` also adds the column's foreign keys, unique constraints and indexes; `create_table`
 * also creates its `sa.Index` entries and named enum types. `op.execute(...)` is handed to the SQL
 * front end through `sql`.
 */
import type { Location, OpCall, PyValue } from '../model.js';
import type { ColumnSpec, ConstraintSpec, DefaultSpec, Operation, OpSource, QualifiedName } from './model.js';
import { defaultFromPython, lastSegment, typeFromPython } from './types.js';
import { draftBase, type OpDraft } from './draft.js';

export { draftBase, type OpDraft } from './draft.js';

export interface PythonFrontEndHooks {
  /** Turn the SQL of `op.execute(...)` into operations (the SQL front end). */
  sql(sql: string, call: OpCall): OpDraft[];
}

/** Positional parameter names of each operation, for `op.*` and for `batch_op.*`. */
const SIGNATURES: Record<string, { op: string[]; batch: string[] }> = {
  create_table: { op: ['table_name'], batch: [] },
  drop_table: { op: ['table_name'], batch: [] },
  rename_table: { op: ['old_table_name', 'new_table_name'], batch: [] },
  add_column: { op: ['table_name', 'column'], batch: ['column'] },
  drop_column: { op: ['table_name', 'column_name'], batch: ['column_name'] },
  alter_column: { op: ['table_name', 'column_name'], batch: ['column_name'] },
  create_index: { op: ['index_name', 'table_name', 'columns'], batch: ['index_name', 'columns'] },
  drop_index: { op: ['index_name', 'table_name'], batch: ['index_name'] },
  create_foreign_key: {
    op: ['constraint_name', 'source_table', 'referent_table', 'local_cols', 'remote_cols'],
    batch: ['constraint_name', 'referent_table', 'local_cols', 'remote_cols'],
  },
  create_check_constraint: { op: ['constraint_name', 'table_name', 'condition'], batch: ['constraint_name', 'condition'] },
  create_unique_constraint: { op: ['constraint_name', 'table_name', 'columns'], batch: ['constraint_name', 'columns'] },
  create_primary_key: { op: ['constraint_name', 'table_name', 'columns'], batch: ['constraint_name', 'columns'] },
  create_exclude_constraint: { op: ['constraint_name', 'table_name'], batch: ['constraint_name'] },
  drop_constraint: { op: ['constraint_name', 'table_name', 'type_'], batch: ['constraint_name', 'type_'] },
  execute: { op: ['sqltext', 'execution_options'], batch: ['sqltext', 'execution_options'] },
  bulk_insert: { op: ['table', 'rows', 'multiinsert'], batch: [] },
};

/** The operation names this front end understands (others carry no schema change we model). */
export const KNOWN_OPERATIONS: ReadonlySet<string> = new Set(Object.keys(SIGNATURES));

class Args {
  constructor(
    readonly call: OpCall,
    private readonly names: string[],
  ) {}
  get(name: string): PyValue | undefined {
    const kw = this.call.kwargs[name];
    if (kw !== undefined) return kw;
    const i = this.names.indexOf(name);
    return i >= 0 ? this.call.args[i] : undefined;
  }
  /** Positional arguments after the named ones (`*columns`, `*elements`). */
  rest(): PyValue[] {
    return this.call.args.slice(this.names.length);
  }
  bool(name: string): boolean | undefined {
    const v = this.get(name);
    return v !== undefined && v.kind === 'bool' ? v.value : undefined;
  }
}

function str(v: PyValue | undefined): string | undefined {
  return v !== undefined && v.kind === 'str' ? v.value : undefined;
}

/** A name argument: `'ix_a'`, `op.f('ix_a')`, `conv('ix_a')`; null for None; the source text otherwise. */
export function nameValue(v: PyValue | undefined): string | null {
  if (v === undefined || v.kind === 'none') return null;
  if (v.kind === 'str') return v.value;
  if (v.kind === 'call' && ['f', 'conv', 'quoted_name'].includes(lastSegment(v.func)) && v.args[0] !== undefined) return nameValue(v.args[0]);
  return v.text;
}

/** A name argument that is an expression (a variable, an attribute, a call other than op.f()/conv()), not a literal. */
function isExpression(v: PyValue | undefined): v is PyValue {
  if (v === undefined || v.kind === 'none' || v.kind === 'str') return false;
  if (v.kind === 'call' && ['f', 'conv', 'quoted_name'].includes(lastSegment(v.func)) && v.args[0] !== undefined) return isExpression(v.args[0]);
  return true;
}

/** The name arguments of a call that are expressions, by the field of the operation they name. */
function computedNames(call: OpCall, a: Args): OpDraft['computed'] {
  const out: NonNullable<OpDraft['computed']> = {};
  const note = (field: keyof typeof out, v: PyValue | undefined) => {
    if (isExpression(v)) out[field] = v.text;
  };
  note('table', call.batch !== undefined ? (call.batch.args[0] ?? call.batch.kwargs['table_name']) : (a.get('table_name') ?? a.get('source_table') ?? a.get('old_table_name')));
  note('name', a.get('index_name') ?? a.get('constraint_name'));
  note('column', a.get('column_name'));
  note('newName', a.get('new_column_name') ?? a.get('new_table_name'));
  return Object.keys(out).length > 0 ? out : undefined;
}

function strList(v: PyValue | undefined): string[] {
  if (v === undefined) return [];
  if (v.kind === 'list' || v.kind === 'tuple' || v.kind === 'set') return v.items.map((i) => (i.kind === 'str' ? i.value : i.text));
  if (v.kind === 'str') return [v.value];
  return [v.text];
}

function qualified(name: PyValue | undefined, schema: PyValue | undefined): QualifiedName {
  const n = nameValue(name) ?? '?';
  const s = str(schema);
  // 'schema.table' in a table name argument is a quoted name with a dot in PostgreSQL; keep as written.
  return s !== undefined ? { schema: s, name: n } : { name: n };
}

/** `'users.id'` or `'public.users.id'` → table and column. */
function splitColumnRef(ref: string): { table: QualifiedName; column: string } {
  const parts = ref.split('.');
  const column = parts.pop() ?? '';
  const name = parts.pop() ?? '';
  return parts.length > 0 ? { table: { schema: parts.join('.'), name }, column } : { table: { name }, column };
}

function isCall(v: PyValue, ...names: string[]): v is Extract<PyValue, { kind: 'call' }> {
  return v.kind === 'call' && names.includes(lastSegment(v.func));
}

/** `sa.ForeignKey('users.id', name=...)` → a foreign key constraint on one column. */
function foreignKeyFromColumnArg(v: Extract<PyValue, { kind: 'call' }>, column: string): ConstraintSpec {
  const target = str(v.args[0] ?? v.kwargs['column']);
  const ref = target !== undefined ? splitColumnRef(target) : { table: { name: v.args[0]?.text ?? '?' }, column: '?' };
  return {
    type: 'foreign-key',
    name: nameValue(v.kwargs['name']),
    columns: [column],
    references: { table: ref.table, columns: [ref.column] },
    notValid: false,
    loc: v.loc,
  };
}

/** Read `sa.Column(...)` (or `Column(...)`, `sqlmodel.Column`) into a ColumnSpec. */
export function columnFromPython(v: PyValue): ColumnSpec | null {
  if (v.kind !== 'call' || lastSegment(v.func) !== 'Column') return null;
  const args = [...v.args];
  let name: string | null = null;
  if (args[0] !== undefined && (args[0].kind === 'str' || (args[0].kind === 'call' && ['f', 'conv', 'quoted_name'].includes(lastSegment(args[0].func))))) {
    name = nameValue(args.shift());
  } else if (v.kwargs['name'] !== undefined) name = nameValue(v.kwargs['name']);
  let typeArg = v.kwargs['type_'];
  const rest: PyValue[] = [];
  for (const a of args) {
    if (typeArg === undefined && !isCall(a, 'ForeignKey', 'Identity', 'Computed', 'Sequence', 'CheckConstraint', 'DefaultClause', 'FetchedValue')) typeArg = a;
    else rest.push(a);
  }
  const kw = v.kwargs;
  const primaryKey = kw['primary_key']?.kind === 'bool' && kw['primary_key'].value;
  const nullableKw = kw['nullable'];
  const nullableExplicit = nullableKw !== undefined && nullableKw.kind === 'bool';
  const nullable = nullableExplicit ? (nullableKw as { value: boolean }).value : !primaryKey;
  const type = typeFromPython(typeArg);
  let serverDefault: DefaultSpec | undefined;
  const sd = kw['server_default'];
  if (sd !== undefined) serverDefault = defaultFromPython(sd) ?? undefined;
  const foreignKeys: ConstraintSpec[] = [];
  let identity = false;
  let generated: ColumnSpec['generated'];
  for (const a of rest) {
    if (a.kind !== 'call') continue;
    const fn = lastSegment(a.func);
    if (fn === 'ForeignKey') foreignKeys.push(foreignKeyFromColumnArg(a, name ?? '?'));
    else if (fn === 'Identity') identity = true;
    else if (fn === 'Computed') {
      const persisted = a.kwargs['persisted'];
      generated = persisted !== undefined && persisted.kind === 'bool' && !persisted.value ? 'virtual' : 'stored';
    } else if (fn === 'DefaultClause' && serverDefault === undefined) serverDefault = defaultFromPython(a) ?? undefined;
  }
  const autoincrement = kw['autoincrement'];
  const integer = type.name === 'integer' || type.name === 'bigint' || type.name === 'smallint';
  const serial =
    primaryKey &&
    integer &&
    type.arrayDims === 0 &&
    !identity &&
    serverDefault === undefined &&
    !(autoincrement !== undefined && autoincrement.kind === 'bool' && !autoincrement.value) &&
    foreignKeys.length === 0;
  return {
    name,
    type,
    nullable,
    nullableExplicit,
    primaryKey,
    unique: kw['unique']?.kind === 'bool' && kw['unique'].value,
    index: kw['index']?.kind === 'bool' && kw['index'].value,
    ...(serverDefault !== undefined ? { serverDefault } : {}),
    identity,
    ...(generated !== undefined ? { generated } : {}),
    serial,
    foreignKeys,
    loc: v.loc,
  };
}

/** A table-level constraint inside `op.create_table(...)`. */
function constraintFromPython(v: PyValue): ConstraintSpec | null {
  if (v.kind !== 'call') return null;
  const fn = lastSegment(v.func);
  const name = nameValue(v.kwargs['name']);
  const notValid = v.kwargs['postgresql_not_valid']?.kind === 'bool' && (v.kwargs['postgresql_not_valid'] as { value: boolean }).value;
  switch (fn) {
    case 'PrimaryKeyConstraint':
      return { type: 'primary-key', name, columns: v.args.map((a) => (a.kind === 'str' ? a.value : a.text)), notValid: false, loc: v.loc };
    case 'UniqueConstraint':
      return { type: 'unique', name, columns: v.args.map((a) => (a.kind === 'str' ? a.value : a.text)), notValid: false, loc: v.loc };
    case 'CheckConstraint': {
      const e = v.args[0] ?? v.kwargs['sqltext'];
      return { type: 'check', name, columns: [], notValid, expression: str(e) ?? e?.text ?? '', loc: v.loc };
    }
    case 'ForeignKeyConstraint': {
      const cols = strList(v.args[0] ?? v.kwargs['columns']);
      const refs = strList(v.args[1] ?? v.kwargs['refcolumns']).map(splitColumnRef);
      const table = refs[0]?.table ?? { name: '?' };
      return { type: 'foreign-key', name, columns: cols, references: { table, columns: refs.map((r) => r.column) }, notValid, loc: v.loc };
    }
    case 'ExcludeConstraint':
      return { type: 'exclusion', name, columns: [], notValid: false, loc: v.loc };
    default:
      return null;
  }
}

function source(call: OpCall): OpSource {
  return { kind: 'python', call };
}

/** The SQL of `op.execute(x)`: a string, `sa.text("...")`, `sa.DDL("...")`; otherwise why not. */
/** SQLAlchemy DDL constructs that are safe by nature (no table lock worth a rule). */
const HARMLESS_DDL = new Set(['CreateSchema', 'DropSchema', 'CreateSequence', 'DropSequence', 'SetTableComment', 'SetColumnComment', 'DropTableComment', 'DropColumnComment']);

export function executeSql(v: PyValue | undefined): { sql: string } | { reason: string } | { harmless: string } {
  if (v === undefined) return { reason: 'op.execute() without an argument' };
  if (v.kind === 'str') return { sql: v.value };
  if (v.kind === 'fstring') return { reason: 'the SQL is an f-string, only known at run time' };
  if (v.kind === 'call') {
    const fn = lastSegment(v.func);
    if ((fn === 'text' || fn === 'DDL') && v.args[0] !== undefined) {
      const inner = executeSql(v.args[0]);
      return inner;
    }
    if (HARMLESS_DDL.has(fn)) return { harmless: fn };
    if (fn === 'bindparams' || fn === 'execution_options' || fn === 'columns') {
      // `sa.text("...").bindparams(x=1)`: the SQL is the text the method is called on.
      if (v.on !== undefined && v.on.kind === 'call') return executeSql(v.on);
      return { reason: `the SQL is built with .${fn}(), read at run time` };
    }
    return { reason: `the SQL is built at run time by ${v.func}()` };
  }
  if (v.kind === 'name') return { reason: `the SQL comes from the variable ${v.name}` };
  return { reason: 'the SQL is built at run time (concatenation, formatting or a SQLAlchemy expression)' };
}

/** Convert one `op.*` call into operations (none for calls that change nothing we model). */
export function operationsFromCall(call: OpCall, hooks: PythonFrontEndHooks): OpDraft[] {
  const sig = SIGNATURES[call.name];
  if (sig === undefined) return [];
  const a = new Args(call, call.batch !== undefined ? sig.batch : sig.op);
  const drafts = draftsFromCall(call, a, hooks);
  const computed = call.name === 'execute' || call.name === 'bulk_insert' ? undefined : computedNames(call, a);
  if (computed !== undefined) for (const d of drafts) if (d.source.kind === 'python') d.computed = computed;
  return drafts;
}

function draftsFromCall(call: OpCall, a: Args, hooks: PythonFrontEndHooks): OpDraft[] {
  const inBatch = call.batch !== undefined;
  const schemaArg = a.get('schema') ?? call.batch?.kwargs['schema'];
  const table = (): QualifiedName => (inBatch ? qualified(call.batch!.args[0] ?? call.batch!.kwargs['table_name'], schemaArg) : qualified(a.get('table_name'), schemaArg));
  const src = source(call);
  const base = draftBase(call.loc, src);
  const out: OpDraft[] = [];
  switch (call.name) {
    case 'create_table': {
      const t = table();
      const columns: ColumnSpec[] = [];
      const constraints: ConstraintSpec[] = [];
      const indexes: OpDraft[] = [];
      for (const item of a.rest()) {
        const col = columnFromPython(item);
        if (col !== null) {
          columns.push(col);
          continue;
        }
        const con = constraintFromPython(item);
        if (con !== null) {
          constraints.push(con);
          continue;
        }
        if (isCall(item, 'Index')) {
          indexes.push({
            ...base,
            kind: 'create-index',
            table: t,
            name: nameValue(item.args[0] ?? item.kwargs['name']),
            columns: item.args.slice(1).map((c) => (c.kind === 'str' ? c.value : c.text)),
            unique: item.kwargs['unique']?.kind === 'bool' && (item.kwargs['unique'] as { value: boolean }).value,
            concurrently: false,
            ifNotExists: false,
          });
        }
      }
      // Named native enums are created before the table (unless create_type=False).
      for (const c of columns) {
        if (c.type.name === 'enum' && c.type.enumName !== undefined && c.type.createType !== false) {
          out.push({ ...base, kind: 'create-type', typeName: { name: c.type.enumName }, ...(c.type.enumValues ? { enumValues: c.type.enumValues } : {}) });
        }
      }
      for (const c of columns) constraints.push(...c.foreignKeys);
      out.push({ ...base, kind: 'create-table', table: t, columns, constraints, ifNotExists: a.bool('if_not_exists') === true });
      for (const c of columns) {
        if (c.index && c.name !== null) {
          out.push({ ...base, kind: 'create-index', table: t, name: null, columns: [c.name], unique: c.unique, concurrently: false, ifNotExists: false });
        }
      }
      out.push(...indexes);
      return out;
    }
    case 'drop_table':
      return [{ ...base, kind: 'drop-table', table: table(), ifExists: a.bool('if_exists') === true, cascade: false }];
    case 'rename_table': {
      const t = qualified(a.get('old_table_name'), schemaArg);
      return [{ ...base, kind: 'rename-table', table: t, newName: nameValue(a.get('new_table_name')) ?? '?' }];
    }
    case 'add_column': {
      const t = table();
      const colArg = a.get('column');
      const column = colArg !== undefined ? columnFromPython(colArg) : null;
      if (column === null) {
        return [{ ...base, kind: 'unanalyzable', reason: 'the column is not an sa.Column(...) call', text: colArg?.text ?? call.name }];
      }
      out.push({ ...base, kind: 'add-column', table: t, column, ifNotExists: a.bool('if_not_exists') === true });
      // Only when the column is declared inline as a PRIMARY KEY (inline_primary_key=True) is it added.
      if (column.primaryKey && a.bool('inline_primary_key') === true) {
        out.push({ ...base, kind: 'add-constraint', table: t, constraint: { type: 'primary-key', name: null, columns: [column.name ?? '?'], notValid: false } });
      }
      for (const fk of column.foreignKeys) out.push({ ...base, kind: 'add-constraint', table: t, constraint: fk });
      if (column.unique && !column.index) {
        out.push({ ...base, kind: 'add-constraint', table: t, constraint: { type: 'unique', name: null, columns: [column.name ?? '?'], notValid: false } });
      }
      if (column.index) {
        out.push({ ...base, kind: 'create-index', table: t, name: null, columns: [column.name ?? '?'], unique: column.unique, concurrently: false, ifNotExists: false });
      }
      return out;
    }
    case 'drop_column':
      return [{ ...base, kind: 'drop-column', table: table(), column: nameValue(a.get('column_name')) ?? '?', ifExists: a.bool('if_exists') === true, cascade: false }];
    case 'alter_column': {
      const t = table();
      const column = nameValue(a.get('column_name')) ?? '?';
      const typeArg = a.get('type_');
      const existingType = a.get('existing_type');
      if (typeArg !== undefined && typeArg.kind !== 'none') {
        const using = a.get('postgresql_using');
        out.push({
          ...base,
          kind: 'alter-column-type',
          table: t,
          column,
          ...(existingType !== undefined && existingType.kind !== 'none' ? { from: typeFromPython(existingType) } : {}),
          to: typeFromPython(typeArg),
          ...(using !== undefined ? { using: str(using) ?? using.text } : {}),
        });
      }
      const nullable = a.get('nullable');
      if (nullable !== undefined && nullable.kind === 'bool') {
        if (nullable.value) out.push({ ...base, kind: 'drop-not-null', table: t, column });
        else {
          out.push({
            ...base,
            kind: 'set-not-null',
            table: t,
            column,
            ...(existingType !== undefined && existingType.kind !== 'none' ? { existingType: typeFromPython(existingType) } : {}),
          });
        }
      }
      const sd = a.get('server_default');
      if (sd !== undefined && !(sd.kind === 'bool' && !sd.value)) {
        out.push({ ...base, kind: 'set-default', table: t, column, default: defaultFromPython(sd) });
      }
      const newName = a.get('new_column_name');
      if (newName !== undefined && newName.kind !== 'none') {
        out.push({ ...base, kind: 'rename-column', table: t, column, newName: nameValue(newName) ?? '?' });
      }
      return out;
    }
    case 'create_index': {
      const where = a.get('postgresql_where');
      return [
        {
          ...base,
          kind: 'create-index',
          table: table(),
          name: nameValue(a.get('index_name')),
          columns: strList(a.get('columns')),
          unique: a.bool('unique') === true,
          concurrently: a.bool('postgresql_concurrently') === true,
          ifNotExists: a.bool('if_not_exists') === true,
          ...(where !== undefined ? { where: where.text } : {}),
        },
      ];
    }
    case 'drop_index': {
      const tArg = inBatch ? call.batch!.args[0] : a.get('table_name');
      return [
        {
          ...base,
          kind: 'drop-index',
          ...(tArg !== undefined && tArg.kind !== 'none' ? { table: qualified(tArg, schemaArg) } : {}),
          name: nameValue(a.get('index_name')) ?? '?',
          concurrently: a.bool('postgresql_concurrently') === true,
          ifExists: a.bool('if_exists') === true,
        },
      ];
    }
    case 'create_foreign_key': {
      const t = inBatch ? table() : qualified(a.get('source_table'), a.get('source_schema'));
      return [
        {
          ...base,
          kind: 'add-constraint',
          table: t,
          constraint: {
            type: 'foreign-key',
            name: nameValue(a.get('constraint_name')),
            columns: strList(a.get('local_cols')),
            references: { table: qualified(a.get('referent_table'), a.get('referent_schema')), columns: strList(a.get('remote_cols')) },
            notValid: a.bool('postgresql_not_valid') === true,
          },
        },
      ];
    }
    case 'create_check_constraint': {
      const cond = a.get('condition');
      return [
        {
          ...base,
          kind: 'add-constraint',
          table: table(),
          constraint: {
            type: 'check',
            name: nameValue(a.get('constraint_name')),
            columns: [],
            notValid: a.bool('postgresql_not_valid') === true,
            expression: str(cond) ?? cond?.text ?? '',
          },
        },
      ];
    }
    case 'create_unique_constraint':
    case 'create_primary_key':
      return [
        {
          ...base,
          kind: 'add-constraint',
          table: table(),
          constraint: {
            type: call.name === 'create_unique_constraint' ? 'unique' : 'primary-key',
            name: nameValue(a.get('constraint_name')),
            columns: strList(a.get('columns')),
            notValid: false,
          },
        },
      ];
    case 'create_exclude_constraint':
      return [{ ...base, kind: 'add-constraint', table: table(), constraint: { type: 'exclusion', name: nameValue(a.get('constraint_name')), columns: [], notValid: false } }];
    case 'drop_constraint': {
      const ty = str(a.get('type_'));
      const map: Record<string, ConstraintSpec['type']> = { foreignkey: 'foreign-key', primary: 'primary-key', unique: 'unique', check: 'check' };
      const constraintType = ty !== undefined ? map[ty] : undefined;
      return [
        {
          ...base,
          kind: 'drop-constraint',
          table: table(),
          name: nameValue(a.get('constraint_name')),
          ...(constraintType !== undefined ? { constraintType } : {}),
          ifExists: a.bool('if_exists') === true,
        },
      ];
    }
    case 'execute': {
      const r = executeSql(a.get('sqltext'));
      if ('reason' in r) return [{ ...base, kind: 'unanalyzable', reason: r.reason, text: a.get('sqltext')?.text ?? 'op.execute()' }];
      if ('harmless' in r) return [{ ...base, kind: 'other-sql', statementType: r.harmless, table: null }];
      return hooks.sql(r.sql, call);
    }
    case 'bulk_insert': {
      const tArg = a.get('table');
      let t: QualifiedName | null = null;
      if (tArg !== undefined && tArg.kind === 'call' && ['table', 'Table'].includes(lastSegment(tArg.func))) {
        t = qualified(tArg.args[0], tArg.kwargs['schema']);
      }
      return [{ ...base, kind: 'data-change', statement: 'insert', table: t, hasWhere: false, literalRows: true }];
    }
  }
  return out;
}

/** Location helper for tests and for callers that build OpCalls by hand. */
export function locAt(line: number, column: number, endLine = line, endColumn = column): Location {
  return { line, column, endLine, endColumn };
}
