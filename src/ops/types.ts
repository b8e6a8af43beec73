/**
 * Column types and defaults, normalized from SQLAlchemy expressions (Python) and from PostgreSQL
 * type names (SQL) into one spelling, plus the volatility of default expressions.
 */
import type { PyValue } from '../model.js';
import type { DefaultSpec, TypeSpec } from './model.js';

/** The last segment of a dotted name: `sa.types.String` → `String`. */
export function lastSegment(dotted: string): string {
  const i = dotted.lastIndexOf('.');
  return i < 0 ? dotted : dotted.slice(i + 1);
}

/** SQLAlchemy / dialect type class names → PostgreSQL type name. */
const PY_TYPES: Record<string, string> = {
  integer: 'integer',
  int: 'integer',
  biginteger: 'bigint',
  bigint: 'bigint',
  smallinteger: 'smallint',
  smallint: 'smallint',
  string: 'varchar',
  varchar: 'varchar',
  nvarchar: 'varchar',
  unicode: 'varchar',
  autostring: 'varchar', // sqlmodel
  text: 'text',
  unicodetext: 'text',
  citext: 'citext',
  char: 'char',
  nchar: 'char',
  numeric: 'numeric',
  decimal: 'numeric',
  float: 'double precision',
  double: 'double precision',
  double_precision: 'double precision',
  real: 'real',
  boolean: 'boolean',
  bool: 'boolean',
  datetime: 'timestamp',
  timestamp: 'timestamp',
  date: 'date',
  time: 'time',
  interval: 'interval',
  largebinary: 'bytea',
  binary: 'bytea',
  bytea: 'bytea',
  json: 'json',
  jsonb: 'jsonb',
  uuid: 'uuid',
  guid: 'uuid',
  enum: 'enum',
  inet: 'inet',
  cidr: 'cidr',
  macaddr: 'macaddr',
  tsvector: 'tsvector',
  money: 'money',
  oid: 'oid',
  bit: 'bit',
  hstore: 'hstore',
};

function pyInt(v: PyValue | undefined): number | undefined {
  return v !== undefined && v.kind === 'int' ? v.value : undefined;
}

function pyBool(v: PyValue | undefined): boolean | undefined {
  return v !== undefined && v.kind === 'bool' ? v.value : undefined;
}

function pyStr(v: PyValue | undefined): string | undefined {
  return v !== undefined && v.kind === 'str' ? v.value : undefined;
}

/** Read a SQLAlchemy type expression (`sa.String(255)`, `sa.Integer`, `postgresql.ENUM(...)`). */
export function typeFromPython(v: PyValue | undefined): TypeSpec {
  if (v === undefined) return { name: 'unknown', params: [], arrayDims: 0, text: '' };
  const text = v.text;
  let callee: string;
  let args: PyValue[] = [];
  let kwargs: Record<string, PyValue> = {};
  if (v.kind === 'name') callee = v.name;
  else if (v.kind === 'call') {
    callee = v.func;
    args = v.args;
    kwargs = v.kwargs;
    // `sa.JSON().with_variant(JSONB(), "postgresql")`: the PostgreSQL variant; a variant for other
    // dialects only (`sa.Text().with_variant(mysql.LONGTEXT(), "mysql")`): the type it is called on.
    if (lastSegment(callee) === 'with_variant') {
      const dialects = [...args.slice(1), ...(kwargs['dialect_name'] !== undefined ? [kwargs['dialect_name']] : [])].map(pyStr);
      if (dialects.includes('postgresql') && (args[0] ?? kwargs['type_']) !== undefined) return { ...typeFromPython(args[0] ?? kwargs['type_']), text };
      const base = v.on ?? (callee.includes('.') ? ({ kind: 'name', name: callee.slice(0, callee.lastIndexOf('.')), text: '', loc: v.loc } as PyValue) : undefined);
      if (base !== undefined && dialects.length > 0 && dialects.every((d) => d !== undefined)) return { ...typeFromPython(base), text };
      return { name: 'unknown', params: [], arrayDims: 0, text };
    }
  } else return { name: 'unknown', params: [], arrayDims: 0, text };
  const cls = lastSegment(callee).toLowerCase();
  if (cls === 'array') {
    const inner = typeFromPython(args[0] ?? kwargs['item_type']);
    const dims = pyInt(kwargs['dimensions']) ?? 1;
    return { ...inner, arrayDims: inner.arrayDims + dims, text };
  }
  const name = PY_TYPES[cls];
  if (name === undefined) return { name: cls === '' ? 'unknown' : cls, params: [], arrayDims: 0, text };
  const spec: TypeSpec = { name, params: [], arrayDims: 0, text };
  switch (name) {
    case 'varchar':
    case 'char':
    case 'bit': {
      const len = pyInt(args[0]) ?? pyInt(kwargs['length']);
      if (len !== undefined) spec.params = [len];
      break;
    }
    case 'numeric': {
      const p = pyInt(args[0]) ?? pyInt(kwargs['precision']);
      const s = pyInt(args[1]) ?? pyInt(kwargs['scale']);
      if (p !== undefined) spec.params = s !== undefined ? [p, s] : [p];
      break;
    }
    case 'double precision': {
      const p = pyInt(args[0]) ?? pyInt(kwargs['precision']);
      if (p !== undefined && p <= 24) spec.name = 'real';
      break;
    }
    case 'timestamp':
    case 'time': {
      const tz = pyBool(args[0]) ?? pyBool(kwargs['timezone']);
      // sa.TIMESTAMP(timezone=True) and postgresql.TIMESTAMP(timezone=True) are timestamptz.
      if (tz === true) spec.name = name === 'timestamp' ? 'timestamptz' : 'timetz';
      break;
    }
    case 'enum': {
      const values = args.map(pyStr).filter((s): s is string => s !== undefined);
      if (values.length > 0 && values.length === args.length) spec.enumValues = values;
      const enumName = pyStr(kwargs['name']);
      if (enumName !== undefined) spec.enumName = enumName;
      const create = pyBool(kwargs['create_type']);
      if (create !== undefined) spec.createType = create;
      // sa.Enum(native_enum=False) is a VARCHAR with a CHECK constraint, not a PostgreSQL type.
      if (pyBool(kwargs['native_enum']) === false) {
        spec.name = 'varchar';
        delete spec.enumName;
      }
      break;
    }
  }
  return spec;
}

/** PostgreSQL internal type names → the spelling used in TypeSpec. */
const SQL_TYPES: Record<string, string> = {
  int4: 'integer',
  int: 'integer',
  integer: 'integer',
  int8: 'bigint',
  int2: 'smallint',
  varchar: 'varchar',
  bpchar: 'char',
  char: 'char',
  numeric: 'numeric',
  decimal: 'numeric',
  float8: 'double precision',
  float4: 'real',
  bool: 'boolean',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  time: 'time',
  timetz: 'timetz',
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
  smallserial: 'smallint',
  serial2: 'smallint',
};

export const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** Normalize a PostgreSQL type name (last component of the qualified name). */
export function normalizeSqlTypeName(name: string): string {
  const n = name.toLowerCase();
  return SQL_TYPES[n] ?? n;
}

/** Functions whose results change per row: a default using one rewrites the table. */
export const VOLATILE_FUNCTIONS: ReadonlySet<string> = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'setseed',
  'gen_random_bytes',
  'random_normal',
  'txid_current',
]);

/** Functions known to be stable or immutable (evaluated once when the column is added). */
export const STABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'current_timestamp',
  'current_date',
  'current_time',
  'localtimestamp',
  'localtime',
  'current_user',
  'current_setting',
  'lower',
  'upper',
  'coalesce',
  'nullif',
  'timezone',
  'to_jsonb',
  'to_json',
  'jsonb_build_object',
  'jsonb_build_array',
  'json_build_object',
  'json_build_array',
  'array',
  'make_interval',
  'date_trunc',
  'cast',
  'concat',
  'length',
  'abs',
  'greatest',
  'least',
]);

/**
 * Volatility of a SQL expression, from the names of the functions it calls. A small scanner over
 * SQL text (quotes and comments skipped), enough to find `name(` calls.
 */
export function sqlExpressionVolatility(sql: string): DefaultSpec['volatility'] {
  const calls = sqlFunctionCalls(sql);
  let result: DefaultSpec['volatility'] = 'constant';
  for (const fn of calls) {
    const name = lastSegment(fn);
    if (VOLATILE_FUNCTIONS.has(name)) return 'volatile';
    if (!STABLE_FUNCTIONS.has(name)) result = 'unknown';
  }
  return result;
}

/** Lower-case names of the functions called in a SQL expression (`nextval('s')` → nextval). */
export function sqlFunctionCalls(sql: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const q = c;
      i++;
      while (i < n) {
        if (sql[i] === q) {
          if (sql[i + 1] === q) i += 2;
          else break;
        } else i++;
      }
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_$.]/.test(sql[j]!)) j++;
      const word = sql.slice(i, j).toLowerCase();
      let k = j;
      while (k < n && (sql[k] === ' ' || sql[k] === '\t')) k++;
      if (sql[k] === '(') out.push(word);
      i = j;
    } else i++;
  }
  return out;
}

/**
 * Read a `server_default=` value: a string (a quoted literal), `sa.text("now()")`,
 * `sa.func.now()`, `sa.literal(...)`, `sa.true()`; anything else is unknown.
 */
export function defaultFromPython(v: PyValue): DefaultSpec | null {
  switch (v.kind) {
    case 'none':
      return null;
    case 'str':
      return { text: v.text, volatility: 'constant', sql: `'${v.value.replace(/'/g, "''")}'` };
    case 'int':
    case 'float':
    case 'bool':
      return { text: v.text, volatility: 'constant', sql: String(v.value) };
    case 'call': {
      const fn = v.func;
      const last = lastSegment(fn);
      if (last === 'text' || last === 'literal_column' || last === 'DefaultClause') {
        const inner = v.args[0];
        if (inner !== undefined && inner.kind === 'str') return { text: v.text, volatility: sqlExpressionVolatility(inner.value), sql: inner.value };
        if (inner !== undefined && last === 'DefaultClause') {
          const d = defaultFromPython(inner);
          return d === null ? null : { ...d, text: v.text };
        }
        return { text: v.text, volatility: 'unknown' };
      }
      if (last === 'literal' || last === 'true' || last === 'false' || last === 'null') return { text: v.text, volatility: 'constant' };
      if (last === 'FetchedValue') return null;
      // sa.func.now(), func.gen_random_uuid()
      const dotted = fn.split('.');
      const fi = dotted.indexOf('func');
      if (fi >= 0 && fi < dotted.length - 1) {
        const name = dotted[dotted.length - 1]!.toLowerCase();
        const sql = `${name}()`;
        return { text: v.text, volatility: sqlExpressionVolatility(sql), sql };
      }
      return { text: v.text, volatility: 'unknown' };
    }
    default:
      return { text: v.text, volatility: 'unknown' };
  }
}

/** Render a TypeSpec for messages: `varchar(255)`, `numeric(10, 2)`, `integer[]`. */
export function typeLabel(t: TypeSpec): string {
  if (t.name === 'unknown') return t.text || 'an unknown type';
  const base = t.name === 'enum' && t.enumName ? `enum ${t.enumName}` : t.name;
  return `${base}${t.params.length > 0 ? `(${t.params.join(', ')})` : ''}${'[]'.repeat(t.arrayDims)}`;
}

/**
 * Whether changing a column from `from` to `to` rewrites the table (and rebuilds its indexes) on
 * PostgreSQL. Returns false only for changes PostgreSQL does in place: varchar(n) → varchar(m ≥ n)
 * or unbounded, varchar/char → text, text → varchar without limit, numeric(p, s) → numeric(q ≥ p, s)
 * or unbounded, timestamp → timestamptz when the session time zone is UTC (not assumed here), and a
 * no-op change. Unknown `from` → true (cannot prove it is safe).
 */
export function typeChangeRewrites(from: TypeSpec | undefined, to: TypeSpec): boolean {
  if (from === undefined || from.name === 'unknown' || to.name === 'unknown') return true;
  if (from.arrayDims !== to.arrayDims) return true;
  const same = from.name === to.name && from.params.join(',') === to.params.join(',');
  if (same) return false;
  const textLike = (n: string): boolean => n === 'varchar' || n === 'text' || n === 'citext';
  if (from.name === 'varchar' && to.name === 'varchar') {
    if (to.params.length === 0) return false;
    if (from.params.length === 0) return true;
    return to.params[0]! < from.params[0]!;
  }
  if ((from.name === 'varchar' || from.name === 'text') && to.name === 'text') return false;
  if (from.name === 'text' && to.name === 'varchar' && to.params.length === 0) return false;
  if (from.name === 'char' && textLike(to.name) && to.params.length === 0) return false;
  if (from.name === 'numeric' && to.name === 'numeric') {
    if (to.params.length === 0) return false;
    if (from.params.length === 0) return true;
    const [p1, s1 = 0] = from.params;
    const [p2, s2 = 0] = to.params;
    return !(s1 === s2 && p2! >= p1!);
  }
  if (from.name === 'bit' && to.name === 'varbit') return false;
  return true;
}
