/**
 * Session settings that matter for locking (lock_timeout, statement_timeout): where they come from
 * and which one is in force before each operation of a revision.
 *
 * - `readEnvSettings` / `readEnvTimeouts` read env.py statically (tree-sitter): timeouts in the
 *   connection's options (`connect_args={"options": "-c lock_timeout=5s"}`, asyncpg's
 *   `server_settings`, an `options=` query parameter in a literal URL), `SET lock_timeout …`
 *   executed on the connection (or through `context.execute`) before `context.run_migrations()`,
 *   and `context.configure(transaction_per_migration=True)`.
 * - `timeoutTimeline` walks one revision's operations and says which setting is in force before
 *   each one: `SET` lasts for the session, `SET LOCAL` to the end of the transaction (an autocommit
 *   block or a COMMIT ends it), `RESET` / `SET … TO DEFAULT` go back to the connection's value.
 *
 * - `accessExclusiveTarget` / `timeoutFindings`: the check shared by require-lock-timeout and
 *   require-statement-timeout.
 * - `sqlTokens`: a SQL lexer for the few places that need tokens of a statement the operation model
 *   does not break down (SET in env.py, string literals that use a new enum value, the
 *   `ALTER TYPE ... DROP VALUE` PostgreSQL does not have).
 *
 * Pure: text in, data out. Statements are classified by libpg-query in the SQL front end; the
 * lexer here exists because the result must not depend on whether the wasm parser happened to be
 * loaded for this run (it is loaded lazily, skipped when the SQL cache answers, and rules are
 * synchronous), and env.py only ever carries one-line SET statements.
 */
import { pythonParser, type Parser } from '../source/tree-sitter.js';
import type { Operation } from './model.js';

export type TimeoutName = 'lock_timeout' | 'statement_timeout';

/** One timeout found in env.py. */
export interface EnvSetting {
  /** The value as written (`5s`, `5000`, `0`). */
  value: string;
  line: number;
  column: number;
  /**
   * Where it comes from: `connect` (the connection's startup options: it is also what RESET goes
   * back to), or `sql` (a SET statement executed on the connection).
   */
  via: 'connect' | 'sql';
  /** `SET LOCAL` (lasts to the end of the first transaction only). */
  local: boolean;
}

export interface EnvTimeouts {
  lockTimeout?: EnvSetting;
  statementTimeout?: EnvSetting;
}

export interface EnvSettings extends EnvTimeouts {
  /** `context.configure(..., transaction_per_migration=True)`: each revision gets its own transaction. */
  transactionPerMigration: boolean;
  /** The connection-level values (what RESET restores), when env.py sets them at connect time. */
  connect: EnvTimeouts;
}

// ---------------------------------------------------------------------------------------------
// Python literals

type SyntaxNode = Parser.SyntaxNode;


const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };

/** The value of a string literal (or implicit concatenation of literals); undefined for f-strings and bytes. */
export function pyStringValue(node: SyntaxNode): string | undefined {
  if (node.type === 'concatenated_string') {
    let out = '';
    for (const part of node.namedChildren) {
      const v = pyStringValue(part);
      if (v === undefined) return undefined;
      out += v;
    }
    return out;
  }
  if (node.type === 'parenthesized_expression' && node.namedChildren.length === 1) return pyStringValue(node.namedChildren[0]!);
  if (node.type !== 'string') return undefined;
  const start = node.namedChildren.find((c) => c.type === 'string_start');
  const end = node.namedChildren.find((c) => c.type === 'string_end');
  if (start === undefined || end === undefined) return undefined;
  if (node.namedChildren.some((c) => c.type === 'interpolation')) return undefined;
  const prefix = start.text.replace(/["']+$/, '').toLowerCase();
  if (prefix.includes('b') || prefix.includes('f')) return undefined;
  const body = node.text.slice(start.endIndex - node.startIndex, end.startIndex - node.startIndex);
  if (prefix.includes('r')) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\' || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const n = body[i + 1]!;
    if (n in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[n];
      i++;
    } else if (n === 'x' || n === 'u' || n === 'U') {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + len);
      if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === len) {
        out += String.fromCodePoint(parseInt(hex, 16));
        i += 1 + len;
      } else out += c;
    } else out += c;
  }
  return out;
}

/** Dotted name of a call's function (`connection.execute`, `sa.text`); '' when not a plain chain. */
function dotted(node: SyntaxNode | null): string {
  if (node === null) return '';
  if (node.type === 'identifier') return node.text;
  if (node.type === 'attribute') {
    const obj = node.childForFieldName('object');
    const attr = node.childForFieldName('attribute');
    const left = obj !== null && (obj.type === 'identifier' || obj.type === 'attribute') ? dotted(obj) : '…';
    return `${left}.${attr?.text ?? ''}`;
  }
  return '';
}

function lastName(d: string): string {
  const i = d.lastIndexOf('.');
  return i < 0 ? d : d.slice(i + 1);
}

/** The SQL string of an execute argument: a literal, or `text("...")` / `sa.text("...")`. */
function sqlArgument(node: SyntaxNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  const lit = pyStringValue(node);
  if (lit !== undefined) return lit;
  if (node.type === 'call' && ['text', 'DDL'].includes(lastName(dotted(node.childForFieldName('function'))))) {
    const first = node.childForFieldName('arguments')?.namedChildren[0];
    return first !== undefined && first.type !== 'keyword_argument' ? sqlArgument(first) : undefined;
  }
  return undefined;
}

/** The enclosing function definition (or the module). */
function scopeOf(node: SyntaxNode): SyntaxNode {
  let n = node.parent;
  while (n !== null && n.type !== 'function_definition' && n.type !== 'module') n = n.parent;
  return n ?? node;
}

// ---------------------------------------------------------------------------------------------
// Settings in SQL and in libpq options

/** A setting change read from SQL: value null for RESET / SET … TO DEFAULT. */
export interface SqlSettingChange {
  name: string;
  value: string | null;
  local: boolean;
}

export interface SqlToken {
  kind: 'word' | 'string' | 'number' | 'punct';
  /** Words: lower-cased (quoted identifiers as written, without quotes); strings: the decoded value. */
  text: string;
}
type Token = SqlToken;

/**
 * Tokens of SQL text: words (identifiers and keywords), string constants (decoded: '', E'\\x',
 * $tag$...$tag$), numbers, punctuation; comments skipped. A lexer only, for the few places that
 * need the tokens of a statement the operation model does not break down (string literals that use
 * an enum value, `ALTER TYPE ... DROP VALUE`, SET in env.py); it does not depend on the wasm parser
 * being loaded, so results are the same whether or not some migration needed libpg-query.
 */
export function sqlTokens(sql: string): SqlToken[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'" || ((c === 'E' || c === 'e') && sql[i + 1] === "'")) {
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      let v = '';
      while (i < n) {
        if (sql[i] === "'" && sql[i + 1] === "'") {
          v += "'";
          i += 2;
        } else if (sql[i] === "'") {
          i++;
          break;
        } else if (escapes && sql[i] === '\\' && i + 1 < n) {
          v += sql[i + 1];
          i += 2;
        } else v += sql[i++];
      }
      out.push({ kind: 'string', text: v });
    } else if (c === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i, i + 64))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64))![0];
      const end = sql.indexOf(tag, i + tag.length);
      out.push({ kind: 'string', text: sql.slice(i + tag.length, end < 0 ? n : end) });
      i = end < 0 ? n : end + tag.length;
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      out.push({ kind: 'word', text: sql.slice(i + 1, end < 0 ? n : end) });
      i = end < 0 ? n : end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      out.push({ kind: 'word', text: sql.slice(i, j).toLowerCase() });
      i = j;
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && /[0-9.a-zA-Z]/.test(sql[j]!)) j++;
      out.push({ kind: 'number', text: sql.slice(i, j) });
      i = j;
    } else {
      out.push({ kind: 'punct', text: c });
      i++;
    }
  }
  return out;
}

/**
 * The setting changes made by SQL text: `SET [SESSION | LOCAL] name { TO | = } value`,
 * `SET name TO DEFAULT`, `RESET name`, `RESET ALL` (name `all`), and
 * `SELECT set_config('name', 'value', is_local)`. Other statements are ignored.
 */
export function settingChangesInSql(sql: string): SqlSettingChange[] {
  const tokens = sqlTokens(sql);
  const out: SqlSettingChange[] = [];
  let start = 0;
  for (let i = 0; i <= tokens.length; i++) {
    if (i < tokens.length && !(tokens[i]!.kind === 'punct' && tokens[i]!.text === ';')) continue;
    const st = tokens.slice(start, i);
    start = i + 1;
    const change = statementChange(st);
    if (change !== undefined) out.push(change);
  }
  return out;
}

function statementChange(t: Token[]): SqlSettingChange | undefined {
  const word = (k: number): string | undefined => (t[k]?.kind === 'word' ? t[k]!.text : undefined);
  if (word(0) === 'set') {
    let k = 1;
    let local = false;
    if (word(k) === 'local') {
      local = true;
      k++;
    } else if (word(k) === 'session' && word(k + 1) !== 'authorization' && word(k + 1) !== 'characteristics') k++;
    const name = word(k);
    if (name === undefined) return undefined;
    k++;
    if (!(word(k) === 'to' || (t[k]?.kind === 'punct' && t[k]!.text === '='))) return undefined;
    k++;
    const v = t[k];
    if (v === undefined) return undefined;
    if (v.kind === 'word' && v.text === 'default') return { name, value: null, local };
    return { name, value: v.text, local };
  }
  if (word(0) === 'reset') {
    const name = word(1);
    return name === undefined ? undefined : { name, value: null, local: false };
  }
  if (word(0) === 'select') {
    // SELECT [pg_catalog.]set_config('name', 'value', is_local)
    const k = word(1) === 'pg_catalog' && t[2]?.text === '.' ? 3 : 1;
    if (word(k) !== 'set_config' || t[k + 1]?.text !== '(') return undefined;
    const name = t[k + 2]?.kind === 'string' ? t[k + 2]!.text.toLowerCase() : undefined;
    const value = t[k + 4]?.kind === 'string' ? t[k + 4]!.text : undefined;
    if (name === undefined || value === undefined || t[k + 3]?.text !== ',') return undefined;
    const local = t[k + 5]?.text === ',' && word(k + 6) === 'true';
    // set_config with an empty value resets to the default.
    return { name, value: value === '' ? null : value, local };
  }
  return undefined;
}

/** Settings in a libpq `options` string: `-c lock_timeout=5s`, `-clock_timeout=5s`, `--lock_timeout=5s`. */
export function settingsInLibpqOptions(options: string): Map<string, string> {
  const out = new Map<string, string>();
  const words = options.split(/\s+/).filter((w) => w.length > 0);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let assignment: string | undefined;
    if (w === '-c') assignment = words[++i];
    else if (w.startsWith('-c')) assignment = w.slice(2);
    else if (w.startsWith('--')) assignment = w.slice(2);
    if (assignment === undefined) continue;
    const eq = assignment.indexOf('=');
    if (eq <= 0) continue;
    out.set(assignment.slice(0, eq).toLowerCase().replace(/-/g, '_'), assignment.slice(eq + 1));
  }
  return out;
}

/**
 * True when a timeout value turns the timeout off: PostgreSQL treats 0 (in any unit) as "no
 * timeout".
 */
export function isDisabledTimeout(value: string): boolean {
  const m = /^\s*'?\s*(-?[0-9]*\.?[0-9]+)\s*([a-z]*)\s*'?\s*$/i.exec(value);
  return m !== null && Number(m[1]) <= 0;
}

// ---------------------------------------------------------------------------------------------
// env.py

const KEYS: Record<string, keyof EnvTimeouts> = { lock_timeout: 'lockTimeout', statement_timeout: 'statementTimeout' };

/** Read the timeouts env.py sets (see the module comment), and `transaction_per_migration`. */
export function readEnvSettings(source: string): EnvSettings {
  const tree = pythonParser().parse(source);
  const connect: EnvTimeouts = {};
  const sqlFound: { pos: number; key: keyof EnvTimeouts; setting: EnvSetting | null }[] = [];
  let transactionPerMigration = false;
  const at = (n: SyntaxNode) => ({ line: n.startPosition.row + 1, column: n.startPosition.column + 1 });

  const setConnect = (name: string, value: string, node: SyntaxNode): void => {
    const key = KEYS[name.toLowerCase()];
    if (key !== undefined) connect[key] = { value, ...at(node), via: 'connect', local: false };
  };
  const readOptionsString = (node: SyntaxNode): void => {
    const v = pyStringValue(node);
    if (v === undefined) return;
    for (const [name, value] of settingsInLibpqOptions(v)) setConnect(name, value, node);
  };
  const readServerSettings = (node: SyntaxNode): void => {
    if (node.type !== 'dictionary') return;
    for (const pair of node.namedChildren) {
      if (pair.type !== 'pair') continue;
      const k = pair.childForFieldName('key');
      const v = pair.childForFieldName('value');
      const name = k !== null ? pyStringValue(k) : undefined;
      if (name === undefined || v === null) continue;
      const value = pyStringValue(v) ?? (v.type === 'integer' ? v.text : undefined);
      if (value !== undefined) setConnect(name, value, v);
    }
  };
  /** `options` / `server_settings` given as a keyword argument or a dict entry. */
  const readKeyed = (key: string, value: SyntaxNode): void => {
    if (key === 'options') readOptionsString(value);
    else if (key === 'server_settings') readServerSettings(value);
  };

  // Calls that run after context.run_migrations() in the same function do not count.
  const runMigrationsAt = new Map<number, number>();
  for (const call of tree.rootNode.descendantsOfType('call')) {
    if (lastName(dotted(call.childForFieldName('function'))) === 'run_migrations') {
      const scope = scopeOf(call);
      const prev = runMigrationsAt.get(scope.id);
      if (prev === undefined || call.startIndex < prev) runMigrationsAt.set(scope.id, call.startIndex);
    }
  }

  const visit = (node: SyntaxNode): void => {
    switch (node.type) {
      case 'keyword_argument': {
        const name = node.childForFieldName('name')?.text;
        const value = node.childForFieldName('value');
        if (name !== undefined && value !== null) {
          readKeyed(name, value);
          if (name === 'transaction_per_migration' && value.type === 'true') transactionPerMigration = true;
        }
        break;
      }
      case 'pair': {
        const k = node.childForFieldName('key');
        const v = node.childForFieldName('value');
        const key = k !== null ? pyStringValue(k) : undefined;
        if (key !== undefined && v !== null) readKeyed(key, v);
        break;
      }
      case 'string':
      case 'concatenated_string': {
        // A literal database URL with `?options=-c lock_timeout=...`.
        const v = pyStringValue(node);
        if (v !== undefined && /^[a-z][a-z0-9+.-]*:\/\//i.test(v) && v.includes('?')) {
          try {
            const opts = new URL(v).searchParams.get('options');
            if (opts !== null) for (const [name, value] of settingsInLibpqOptions(opts)) setConnect(name, value, node);
          } catch {
            // not a URL after all
          }
        }
        return;
      }
      case 'call': {
        const fn = lastName(dotted(node.childForFieldName('function')));
        if (fn === 'execute' || fn === 'exec_driver_sql') {
          const first = node.childForFieldName('arguments')?.namedChildren[0];
          const sql = first !== undefined && first.type !== 'keyword_argument' ? sqlArgument(first) : undefined;
          const cutoff = runMigrationsAt.get(scopeOf(node).id);
          if (sql !== undefined && (cutoff === undefined || node.startIndex < cutoff)) {
            for (const ch of settingChangesInSql(sql)) {
              const keys = ch.name === 'all' && ch.value === null ? (Object.values(KEYS) as (keyof EnvTimeouts)[]) : [KEYS[ch.name]].filter((k) => k !== undefined);
              for (const key of keys) {
                sqlFound.push({ pos: node.startIndex, key, setting: ch.value === null ? null : { value: ch.value, ...at(node), via: 'sql', local: ch.local } });
              }
            }
          }
        }
        break;
      }
    }
    for (const child of node.namedChildren) visit(child);
  };
  visit(tree.rootNode);

  const result: EnvSettings = { transactionPerMigration, connect };
  for (const key of Object.values(KEYS) as (keyof EnvTimeouts)[]) {
    let current: EnvSetting | undefined = connect[key];
    for (const f of sqlFound.filter((x) => x.key === key).sort((a, b) => a.pos - b.pos)) {
      current = f.setting === null ? connect[key] : f.setting;
    }
    if (current !== undefined) result[key] = current;
  }
  return result;
}

/** The timeouts env.py puts in force for every migration (see `readEnvSettings`). */
export function readEnvTimeouts(source: string): EnvTimeouts {
  const { lockTimeout, statementTimeout } = readEnvSettings(source);
  return { ...(lockTimeout !== undefined ? { lockTimeout } : {}), ...(statementTimeout !== undefined ? { statementTimeout } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Which setting is in force before each operation of a revision

/** Where the setting in force came from. */
export interface SettingInForce {
  value: string;
  /** `op`: an operation earlier in the revision; `env`: env.py. */
  from: 'op' | 'env';
  /** The op that set it (from `op`), or env.py's line (from `env`). */
  op?: Operation;
  line?: number;
  local: boolean;
}

/**
 * For each operation of one phase, the value of `name` in force when it runs (null: none, the
 * server default, which for both timeouts is 0 = no timeout unless the role or database sets one).
 * The revision starts inside the migration transaction; env.py's setting, when given, applies from
 * the start (a `SET LOCAL` one only until the first autocommit block).
 */
export function timeoutTimeline(ops: readonly Operation[], name: TimeoutName, env?: EnvSettings): (SettingInForce | null)[] {
  const key = KEYS[name]!;
  const fromEnv = (s: EnvSetting | undefined): SettingInForce | null => (s === undefined ? null : { value: s.value, from: 'env', line: s.line, local: s.local });
  const envSetting = env?.[key];
  const connectDefault = fromEnv(env?.connect[key]);
  let session: SettingInForce | null = envSetting !== undefined && !envSetting.local ? fromEnv(envSetting) : connectDefault;
  let local: SettingInForce | null = envSetting !== undefined && envSetting.local ? fromEnv(envSetting) : null;
  let inTxn = true;
  const out: (SettingInForce | null)[] = [];
  for (const op of ops) {
    if (inTxn && !op.inTransaction) local = null; // the transaction was committed (autocommit block)
    inTxn = op.inTransaction;
    out.push(local ?? session);
    if (op.kind === 'set-setting' && (op.name === name || (op.name === 'all' && op.value === null))) {
      if (op.value === null) {
        session = connectDefault;
        local = null;
      } else if (op.local) {
        if (op.inTransaction) local = { value: op.value, from: 'op', op, local: true };
      } else {
        session = { value: op.value, from: 'op', op, local: false };
        local = null;
      }
    } else if (op.kind === 'transaction-control' && (op.statement === 'commit' || op.statement === 'rollback')) {
      local = null;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Operations that need a timeout in force

let envCache: { source: string; settings: EnvSettings } | undefined;

/** `readEnvSettings` of a run's env.py, read once per source text. */
export function envSettingsOf(envPy: { source: string; settings?: EnvSettings } | undefined): EnvSettings | undefined {
  if (envPy === undefined) return undefined;
  // The engine reads them from its cache when it can (no tree-sitter on a warm run).
  if (envPy.settings !== undefined) return envPy.settings;
  if (envCache === undefined || envCache.source !== envPy.source) envCache = { source: envPy.source, settings: readEnvSettings(envPy.source) };
  return envCache.settings;
}

/** `ALTER TABLE` forms (from the SQL front end's `AlterTable <subtype>`) that take less than ACCESS EXCLUSIVE. */
const WEAKER_ALTER_TABLE = new Set([
  'SetStatistics',
  'SetOptions',
  'ResetOptions',
  'ClusterOn',
  'DropCluster',
  'ValidateConstraint',
  'EnableTrig',
  'EnableAlwaysTrig',
  'EnableReplicaTrig',
  'EnableTrigAll',
  'EnableTrigUser',
  'DisableTrig',
  'DisableTrigAll',
  'DisableTrigUser',
  'AddIndexConstraint',
  'AttachPartition',
  'DetachPartitionFinalize',
]);

function tableLabel(t: { schema?: string; name: string }): string {
  return t.schema !== undefined ? `${t.schema}.${t.name}` : t.name;
}

/**
 * What an operation locks ACCESS EXCLUSIVE (blocking every read and write of the table while it
 * waits for the lock and while it runs), when that is an existing table: not one created earlier
 * in the same revision. `phaseOps` is the operation's phase (`op.index` is its position there). Undefined for operations that take weaker locks (CREATE INDEX: SHARE;
 * ADD FOREIGN KEY: SHARE ROW EXCLUSIVE; VALIDATE CONSTRAINT and the CONCURRENTLY forms: SHARE UPDATE
 * EXCLUSIVE) or none.
 */
export function accessExclusiveTarget(op: Operation, phaseOps: readonly Operation[]): { table: string; what: string } | undefined {
  if (op.tableCreatedInRevision) return undefined;
  switch (op.kind) {
    case 'add-column':
      return { table: tableLabel(op.table), what: `adding column ${op.column.name ?? '?'} to ${tableLabel(op.table)}` };
    case 'drop-column':
      return { table: tableLabel(op.table), what: `dropping column ${tableLabel(op.table)}.${op.column}` };
    case 'rename-column':
      return { table: tableLabel(op.table), what: `renaming column ${tableLabel(op.table)}.${op.column}` };
    case 'rename-table':
      return { table: tableLabel(op.table), what: `renaming table ${tableLabel(op.table)}` };
    case 'alter-column-type':
      return { table: tableLabel(op.table), what: `changing the type of ${tableLabel(op.table)}.${op.column}` };
    case 'set-not-null':
      return { table: tableLabel(op.table), what: `SET NOT NULL on ${tableLabel(op.table)}.${op.column}` };
    case 'drop-not-null':
      return { table: tableLabel(op.table), what: `DROP NOT NULL on ${tableLabel(op.table)}.${op.column}` };
    case 'set-default':
      return { table: tableLabel(op.table), what: `changing the default of ${tableLabel(op.table)}.${op.column}` };
    case 'drop-table':
      return { table: tableLabel(op.table), what: `dropping table ${tableLabel(op.table)}` };
    case 'truncate':
      return op.tables.length === 0 ? undefined : { table: op.tables.map(tableLabel).join(', '), what: `truncating ${op.tables.map(tableLabel).join(', ')}` };
    case 'add-constraint':
      if (op.constraint.type === 'foreign-key') return undefined;
      return { table: tableLabel(op.table), what: `adding a ${op.constraint.type} constraint to ${tableLabel(op.table)}` };
    case 'drop-constraint':
      return { table: tableLabel(op.table), what: `dropping constraint ${op.name ?? '(unnamed)'} of ${tableLabel(op.table)}` };
    case 'drop-index': {
      if (op.concurrently) return undefined;
      const name = op.name.toLowerCase();
      const createdHere = phaseOps.slice(0, op.index).some((e) => e.kind === 'create-index' && e.name !== null && e.name.toLowerCase() === name);
      if (createdHere) return undefined;
      const t = op.table !== undefined ? tableLabel(op.table) : `the table of ${op.name}`;
      return { table: t, what: `dropping index ${op.name}` };
    }
    case 'reindex':
      if (op.concurrently || (op.target !== 'index' && op.target !== 'table') || op.name === null) return undefined;
      return { table: tableLabel(op.name), what: `REINDEX ${op.target.toUpperCase()} ${tableLabel(op.name)}` };
    case 'other-sql': {
      if (op.table === null || !op.statementType.startsWith('AlterTable')) return undefined;
      const sub = op.statementType.slice('AlterTable'.length).trim();
      if (WEAKER_ALTER_TABLE.has(sub)) return undefined;
      return { table: tableLabel(op.table), what: `ALTER TABLE ${tableLabel(op.table)}${sub !== '' ? ` (${sub})` : ''}` };
    }
    default:
      return undefined;
  }
}

/** How the operation is written, for messages: `op.add_column()`, `batch_op.alter_column()`, or the SQL. */
export function opLabel(op: Operation): string {
  if (op.source.kind === 'python') return `${op.source.call.receiver}.${op.source.call.name}()`;
  const first = op.source.statement.trim().split('\n')[0]!.replace(/\s+/g, ' ');
  return `\`${first.length > 60 ? `${first.slice(0, 57)}...` : first}\``;
}
