/**
 * The schema snapshot: what a migration can leave behind in a database, read with one catalog
 * query (SNAPSHOT_SQL) and turned into plain, comparable data (parseSnapshot). diffSnapshots
 * (snapshot-diff.ts) compares two snapshots structurally and words each difference as a sentence.
 *
 * A snapshot holds names and deparsed definitions, never OIDs, owners, privileges, column numbers
 * as identity, or sequence values; every list is sorted, so two snapshots of the same schema are
 * deep-equal however the schema was built.
 */
import { DatabaseError } from '../../errors.js';
import { SNAPSHOT_SQL } from './sql.js';

export { SNAPSHOT_SQL } from './sql.js';
export { diffSnapshots } from './diff.js';
export type { DiffOptions, PropertyChange, SchemaDifference, SentenceContext } from './diff.js';

/** The oldest server the snapshot query runs on (server_version_num). */
export const MIN_SNAPSHOT_SERVER_VERSION = 120000;

export interface QualifiedName {
  schema: string;
  name: string;
}

export interface SnapshotSchema {
  name: string;
  comment: string | null;
}

export interface SnapshotExtension {
  name: string;
  version: string;
  /** The schema it was installed into. */
  schema: string;
}

export type RelationKind = 'table' | 'partitioned table' | 'foreign table' | 'view' | 'materialized view';

/** Tables (plain, partitioned, foreign), views and materialized views. */
export interface SnapshotRelation {
  schema: string;
  name: string;
  kind: RelationKind;
  unlogged: boolean;
  /** `RANGE (created_at)` for a partitioned table. */
  partitionKey: string | null;
  partitionOf: QualifiedName | null;
  /** `FOR VALUES FROM (...) TO (...)` for a partition. */
  partitionBound: string | null;
  /** Parents through INHERITS (not partitioning), in declared order. */
  inherits: QualifiedName[];
  /** `CREATE TABLE ... OF type`. */
  ofType: string | null;
  accessMethod: string | null;
  /** Storage parameters (`fillfactor=70`) and view options (`check_option=cascaded`), sorted. */
  options: string[];
  tablespace: string | null;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  replicaIdentity: 'default' | 'nothing' | 'full' | 'index';
  /** The query of a view or materialized view. */
  definition: string | null;
  foreignServer: string | null;
  foreignOptions: string[];
  comment: string | null;
}

export interface SequenceOptions {
  /** `bigint`, `integer`, `smallint`. */
  type: string;
  /** int8 values as decimal text. */
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
}

export interface SnapshotColumn {
  schema: string;
  table: string;
  name: string;
  /** attnum: kept for order, never compared (a dropped and re-added column moves to the end). */
  position: number;
  /** format_type: `character varying(200)`, `numeric(10,2)`, `billing.status`. */
  type: string;
  /** Comes only from a parent table (a partition's columns, INHERITS). */
  inherited: boolean;
  notNull: boolean;
  /** PG 18: the NOT NULL constraint is NOT VALID. */
  notNullInvalid: boolean;
  default: string | null;
  generated: 'stored' | 'virtual' | null;
  /** The generation expression of a generated column. */
  expression: string | null;
  identity: 'always' | 'by default' | null;
  identitySequence: SequenceOptions | null;
  /** Set only when it differs from the type's default collation. */
  collation: string | null;
  /** Set only when it differs from the type's default storage. */
  storage: 'plain' | 'external' | 'extended' | 'main' | null;
  comment: string | null;
}

export type ConstraintType = 'primary key' | 'unique' | 'foreign key' | 'check' | 'exclusion';

/** Table constraints and domain constraints (NOT NULL is a column property, not listed here). */
export interface SnapshotConstraint {
  schema: string;
  name: string;
  type: ConstraintType;
  /** Exactly one of table and domain is set. */
  table: string | null;
  domain: string | null;
  /** pg_get_constraintdef: `FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`. */
  definition: string;
  /** On a partition: the partitioned table's constraint it was cloned from. */
  parent: { schema: string; table: string; name: string } | null;
  comment: string | null;
}

/** Indexes that do not implement a primary key, unique or exclusion constraint. */
export interface SnapshotIndex {
  schema: string;
  name: string;
  table: string;
  /** pg_get_indexdef: `CREATE INDEX ix_users_email ON public.users USING btree (email)`. */
  definition: string;
  /** The same without the index name (`CREATE INDEX ON public.users ...`): identical indexes match. */
  anonymousDefinition: string;
  /** On a partition: the partitioned table's index it is attached to. */
  parent: QualifiedName | null;
  valid: boolean;
  ready: boolean;
  clustered: boolean;
  replicaIdentity: boolean;
  tablespace: string | null;
  comment: string | null;
}

/** Sequences other than identity sequences (those are part of their column). */
export interface SnapshotSequence extends SequenceOptions {
  schema: string;
  name: string;
  unlogged: boolean;
  /** serial columns and `ALTER SEQUENCE ... OWNED BY`. */
  ownedBy: { schema: string; table: string; column: string } | null;
  comment: string | null;
}

export type TypeKind = 'enum' | 'domain' | 'composite' | 'range' | 'base' | 'shell';

export interface SnapshotType {
  schema: string;
  name: string;
  kind: TypeKind;
  /** enum: labels in sort order. */
  labels: string[] | null;
  domain: { baseType: string; notNull: boolean; default: string | null; collation: string | null } | null;
  /** composite: attributes in order. */
  attributes: { name: string; type: string; collation: string | null }[] | null;
  range: {
    subtype: string;
    collation: string | null;
    opclass: string | null;
    canonical: string | null;
    subtypeDiff: string | null;
  } | null;
  /** base types: their input and output functions. */
  base: { input: string; output: string } | null;
  comment: string | null;
}

export type FunctionKind = 'function' | 'procedure' | 'aggregate' | 'window function';

export interface SnapshotFunction {
  schema: string;
  name: string;
  /** The input argument types that identify an overload: `integer, text`. */
  argumentTypes: string;
  /** The same with names and modes: `x integer, y text`. */
  identityArguments: string;
  kind: FunctionKind;
  /** With names and defaults. */
  arguments: string;
  /** null for procedures. */
  result: string | null;
  language: string;
  volatility: 'immutable' | 'stable' | 'volatile';
  strict: boolean;
  securityDefiner: boolean;
  leakproof: boolean;
  parallel: 'safe' | 'restricted' | 'unsafe';
  cost: number;
  rows: number;
  /** `SET` clauses: `search_path=public`. */
  config: string[];
  /** The source between the dollar quotes; for SQL-standard bodies the whole pg_get_functiondef. */
  body: string | null;
  aggregate: {
    kind: 'normal' | 'ordered-set' | 'hypothetical';
    transition: string;
    stateType: string;
    final: string | null;
    combine: string | null;
    initial: string | null;
    sortOperator: string | null;
  } | null;
  comment: string | null;
}

export type TriggerEnabled = 'origin' | 'disabled' | 'replica' | 'always';

export interface SnapshotTrigger {
  schema: string;
  table: string;
  name: string;
  definition: string;
  enabled: TriggerEnabled;
  /** On a partition (PG 13+): the partitioned table's trigger it was cloned from. */
  parent: { schema: string; table: string; name: string } | null;
  comment: string | null;
}

export interface SnapshotPolicy {
  schema: string;
  table: string;
  name: string;
  command: 'all' | 'select' | 'insert' | 'update' | 'delete';
  permissive: boolean;
  /** Role names, sorted; `public` for PUBLIC. */
  roles: string[];
  using: string | null;
  withCheck: string | null;
  comment: string | null;
}

export interface SnapshotRule {
  schema: string;
  table: string;
  name: string;
  definition: string;
  enabled: TriggerEnabled;
  comment: string | null;
}

/** CREATE STATISTICS objects. */
export interface SnapshotStatistics {
  schema: string;
  name: string;
  tableSchema: string;
  table: string;
  definition: string;
  comment: string | null;
}

export interface SnapshotEventTrigger {
  name: string;
  event: string;
  function: string;
  tags: string[];
  enabled: TriggerEnabled;
  comment: string | null;
}

/**
 * User-created objects of the kinds not modelled above (collations, operators, operator classes
 * and families, casts, conversions, text search objects, languages, access methods, transforms,
 * foreign data wrappers and servers, publications), by pg_identify_object: presence only.
 */
export interface SnapshotOther {
  /** `collation`, `operator`, `cast`, `publication relation` … */
  type: string;
  /** The schema it lives in, for schema objects. */
  schema: string | null;
  /** Qualified and quoted: `public.===(integer,integer)`, `(text AS public.email)`. */
  identity: string;
  /** What it belongs to: a publication's table to the publication, a server to its wrapper. */
  parent: { type: string; identity: string } | null;
}

export interface Snapshot {
  /** server_version_num of the server it was taken on, e.g. 180004. */
  serverVersion: number;
  schemas: SnapshotSchema[];
  extensions: SnapshotExtension[];
  relations: SnapshotRelation[];
  columns: SnapshotColumn[];
  constraints: SnapshotConstraint[];
  indexes: SnapshotIndex[];
  sequences: SnapshotSequence[];
  types: SnapshotType[];
  functions: SnapshotFunction[];
  triggers: SnapshotTrigger[];
  policies: SnapshotPolicy[];
  rules: SnapshotRule[];
  statistics: SnapshotStatistics[];
  eventTriggers: SnapshotEventTrigger[];
  others: SnapshotOther[];
}

// ---------------------------------------------------------------------------------------------
// Reading the query's json value.

/** The snapshot query returned something else than the shape it produces: a bug, not a user error. */
export class SnapshotFormatError extends Error {
  constructor(path: string, expected: string) {
    super(`malformed schema snapshot: ${path} should be ${expected}`);
    this.name = 'SnapshotFormatError';
  }
}

type Json = Record<string, unknown>;

class Reader {
  constructor(
    private readonly obj: Json,
    private readonly path: string,
  ) {}

  private fail(key: string, expected: string): never {
    throw new SnapshotFormatError(`${this.path}.${key}`, expected);
  }

  str(key: string): string {
    const v = this.obj[key];
    return typeof v === 'string' ? v : this.fail(key, 'a string');
  }

  optStr(key: string): string | null {
    const v = this.obj[key];
    if (v === null || v === undefined) return null;
    return typeof v === 'string' ? v : this.fail(key, 'a string or null');
  }

  bool(key: string): boolean {
    const v = this.obj[key];
    return typeof v === 'boolean' ? v : this.fail(key, 'a boolean');
  }

  optBool(key: string): boolean {
    const v = this.obj[key];
    if (v === null || v === undefined) return false;
    return typeof v === 'boolean' ? v : this.fail(key, 'a boolean or null');
  }

  num(key: string): number {
    const v = this.obj[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail(key, 'a number');
  }

  /** A text[] column: json array of strings, or null for an empty one. */
  strings(key: string): string[] {
    const v = this.obj[key];
    if (v === null || v === undefined) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) this.fail(key, 'an array of strings');
    return v as string[];
  }

  /** A nested object, or null. */
  optObj(key: string): Reader | null {
    const v = this.obj[key];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(key, 'an object or null');
    return new Reader(v as Json, `${this.path}.${key}`);
  }

  /** A nested array of objects, or null for none. */
  objs(key: string): Reader[] {
    const v = this.obj[key];
    if (v === null || v === undefined) return [];
    if (!Array.isArray(v)) this.fail(key, 'an array');
    return v.map((item, i) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw new SnapshotFormatError(`${this.path}.${key}[${i}]`, 'an object');
      }
      return new Reader(item as Json, `${this.path}.${key}[${i}]`);
    });
  }

  /** A one-letter catalog code mapped to a word. */
  code<T extends string>(key: string, codes: Record<string, T>): T {
    const v = this.str(key);
    const word = codes[v];
    return word ?? this.fail(key, `one of ${Object.keys(codes).join(', ')}`);
  }
}

const RELATION_KINDS: Record<string, RelationKind> = {
  r: 'table',
  p: 'partitioned table',
  f: 'foreign table',
  v: 'view',
  m: 'materialized view',
};
const REPLICA_IDENTITY = { d: 'default', n: 'nothing', f: 'full', i: 'index' } as const;
const CONSTRAINT_TYPES: Record<string, ConstraintType> = {
  p: 'primary key',
  u: 'unique',
  f: 'foreign key',
  c: 'check',
  x: 'exclusion',
};
const STORAGE = { p: 'plain', e: 'external', x: 'extended', m: 'main' } as const;
const TYPE_KINDS: Record<string, TypeKind> = {
  e: 'enum',
  d: 'domain',
  c: 'composite',
  r: 'range',
  b: 'base',
  s: 'shell',
};
const FUNCTION_KINDS: Record<string, FunctionKind> = {
  f: 'function',
  p: 'procedure',
  a: 'aggregate',
  w: 'window function',
};
const VOLATILITY = { i: 'immutable', s: 'stable', v: 'volatile' } as const;
const PARALLEL = { s: 'safe', r: 'restricted', u: 'unsafe' } as const;
const AGGREGATE_KINDS = { n: 'normal', o: 'ordered-set', h: 'hypothetical' } as const;
const ENABLED: Record<string, TriggerEnabled> = { O: 'origin', D: 'disabled', R: 'replica', A: 'always' };
const POLICY_COMMANDS = { '*': 'all', r: 'select', a: 'insert', w: 'update', d: 'delete' } as const;

function qualified(r: Reader | null): QualifiedName | null {
  return r === null ? null : { schema: r.str('schema'), name: r.str('name') };
}

function tableObject(r: Reader | null): { schema: string; table: string; name: string } | null {
  return r === null ? null : { schema: r.str('schema'), table: r.str('table'), name: r.str('name') };
}

function sequenceOptions(r: Reader): SequenceOptions {
  return {
    type: r.str('type'),
    start: r.str('start'),
    increment: r.str('increment'),
    min: r.str('min'),
    max: r.str('max'),
    cache: r.str('cache'),
    cycle: r.bool('cycle'),
  };
}

/**
 * pg_get_indexdef without the index name (`CREATE INDEX ON ...`), so that identical indexes under
 * other names match. `quotedName` is quote_ident(name), exactly as pg_get_indexdef prints it.
 */
function anonymousIndexDefinition(definition: string, quotedName: string): string {
  const marker = ` INDEX ${quotedName} ON `;
  const at = definition.indexOf(marker);
  return at < 0 ? definition : `${definition.slice(0, at)} INDEX ON ${definition.slice(at + marker.length)}`;
}

/** Code-unit order: stable, locale-independent. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
function sortBy<T>(items: T[], key: (item: T) => string[]): T[] {
  const keyed = items.map((item) => ({ item, k: key(item) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < Math.max(a.k.length, b.k.length); i++) {
      const c = cmp(a.k[i] ?? '', b.k[i] ?? '');
      if (c !== 0) return c;
    }
    return 0;
  });
  return keyed.map((x) => x.item);
}

/**
 * Turn the value SNAPSHOT_SQL returns (the parsed json, or its text) into a Snapshot with every
 * list sorted. Throws SnapshotFormatError when the value does not have the query's shape.
 */
export function parseSnapshot(json: unknown): Snapshot {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new SnapshotFormatError('the snapshot', 'valid JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SnapshotFormatError('the snapshot', 'a JSON object');
  }
  const root = new Reader(value as Json, 'snapshot');

  const schemas = root.objs('schemas').map((r) => ({ name: r.str('name'), comment: r.optStr('comment') }));

  const extensions = root
    .objs('extensions')
    .map((r) => ({ name: r.str('name'), version: r.str('version'), schema: r.str('schema') }));

  const relations: SnapshotRelation[] = root.objs('relations').map((r) => ({
    schema: r.str('schema'),
    name: r.str('name'),
    kind: r.code('kind', RELATION_KINDS),
    unlogged: r.str('persistence') === 'u',
    partitionKey: r.optStr('partitionKey'),
    partitionOf: qualified(r.optObj('partitionOf')),
    partitionBound: r.optStr('partitionBound'),
    inherits: r.objs('inherits').map((p) => ({ schema: p.str('schema'), name: p.str('name') })),
    ofType: r.optStr('ofType'),
    accessMethod: r.optStr('accessMethod'),
    options: [...r.strings('options')].sort(cmp),
    tablespace: r.optStr('tablespace'),
    rowSecurity: r.bool('rowSecurity'),
    forceRowSecurity: r.bool('forceRowSecurity'),
    replicaIdentity: r.code('replicaIdentity', REPLICA_IDENTITY),
    definition: r.optStr('definition'),
    foreignServer: r.optStr('foreignServer'),
    foreignOptions: [...r.strings('foreignOptions')].sort(cmp),
    comment: r.optStr('comment'),
  }));

  const columns: SnapshotColumn[] = root.objs('columns').map((r) => {
    const seq = r.optObj('identitySequence');
    const generated = r.optStr('generated');
    const identity = r.optStr('identity');
    const storage = r.optStr('storage');
    return {
      schema: r.str('schema'),
      table: r.str('table'),
      name: r.str('name'),
      position: r.num('position'),
      type: r.str('type'),
      inherited: r.optBool('inherited'),
      notNull: r.bool('notNull'),
      notNullInvalid: r.optBool('notNullInvalid'),
      default: r.optStr('default'),
      generated: generated === null ? null : r.code('generated', { stored: 'stored', virtual: 'virtual' } as const),
      expression: r.optStr('expression'),
      identity: identity === null ? null : r.code('identity', { always: 'always', 'by default': 'by default' } as const),
      identitySequence: seq === null ? null : sequenceOptions(seq),
      collation: r.optStr('collation'),
      storage: storage === null ? null : r.code('storage', STORAGE),
      comment: r.optStr('comment'),
    };
  });

  const constraints: SnapshotConstraint[] = root.objs('constraints').map((r) => ({
    schema: r.str('schema'),
    name: r.str('name'),
    type: r.code('type', CONSTRAINT_TYPES),
    table: r.optStr('table'),
    domain: r.optStr('domain'),
    definition: r.str('definition'),
    parent: tableObject(r.optObj('parent')),
    comment: r.optStr('comment'),
  }));

  const indexes: SnapshotIndex[] = root.objs('indexes').map((r) => {
    const definition = r.str('definition');
    return {
      schema: r.str('schema'),
      name: r.str('name'),
      table: r.str('table'),
      definition,
      anonymousDefinition: anonymousIndexDefinition(definition, r.str('quotedName')),
      parent: qualified(r.optObj('parent')),
      valid: r.bool('valid'),
      ready: r.bool('ready'),
      clustered: r.bool('clustered'),
      replicaIdentity: r.bool('replicaIdentity'),
      tablespace: r.optStr('tablespace'),
      comment: r.optStr('comment'),
    };
  });

  const sequences: SnapshotSequence[] = root.objs('sequences').map((r) => {
    const owner = r.optObj('ownedBy');
    return {
      schema: r.str('schema'),
      name: r.str('name'),
      ...sequenceOptions(r),
      unlogged: r.str('persistence') === 'u',
      ownedBy:
        owner === null ? null : { schema: owner.str('schema'), table: owner.str('table'), column: owner.str('column') },
      comment: r.optStr('comment'),
    };
  });

  const types: SnapshotType[] = root.objs('types').map((r) => {
    const kind = r.code('kind', TYPE_KINDS);
    const range = r.optObj('range');
    return {
      schema: r.str('schema'),
      name: r.str('name'),
      kind,
      labels: kind === 'enum' ? r.strings('labels') : null,
      domain:
        kind === 'domain'
          ? {
              baseType: r.str('baseType'),
              notNull: r.bool('notNull'),
              default: r.optStr('default'),
              collation: r.optStr('collation'),
            }
          : null,
      attributes:
        kind === 'composite'
          ? r.objs('attributes').map((a) => ({ name: a.str('name'), type: a.str('type'), collation: a.optStr('collation') }))
          : null,
      range:
        range === null
          ? null
          : {
              subtype: range.str('subtype'),
              collation: range.optStr('collation'),
              opclass: range.optStr('opclass'),
              canonical: range.optStr('canonical'),
              subtypeDiff: range.optStr('subtypeDiff'),
            },
      base: kind === 'base' ? { input: r.str('input'), output: r.str('output') } : null,
      comment: r.optStr('comment'),
    };
  });

  const functions: SnapshotFunction[] = root.objs('functions').map((r) => {
    const agg = r.optObj('aggregate');
    return {
      schema: r.str('schema'),
      name: r.str('name'),
      argumentTypes: r.str('argumentTypes'),
      identityArguments: r.str('identityArguments'),
      kind: r.code('kind', FUNCTION_KINDS),
      arguments: r.str('arguments'),
      result: r.optStr('result'),
      language: r.str('language'),
      volatility: r.code('volatility', VOLATILITY),
      strict: r.bool('strict'),
      securityDefiner: r.bool('securityDefiner'),
      leakproof: r.bool('leakproof'),
      parallel: r.code('parallel', PARALLEL),
      cost: r.num('cost'),
      rows: r.num('rows'),
      config: [...r.strings('config')].sort(cmp),
      body: r.optStr('body'),
      aggregate:
        agg === null
          ? null
          : {
              kind: agg.code('kind', AGGREGATE_KINDS),
              transition: agg.str('transition'),
              stateType: agg.str('stateType'),
              final: agg.optStr('final'),
              combine: agg.optStr('combine'),
              initial: agg.optStr('initial'),
              sortOperator: agg.optStr('sortOperator'),
            },
      comment: r.optStr('comment'),
    };
  });

  const triggers: SnapshotTrigger[] = root.objs('triggers').map((r) => ({
    schema: r.str('schema'),
    table: r.str('table'),
    name: r.str('name'),
    definition: r.str('definition'),
    enabled: r.code('enabled', ENABLED),
    parent: tableObject(r.optObj('parent')),
    comment: r.optStr('comment'),
  }));

  const policies: SnapshotPolicy[] = root.objs('policies').map((r) => ({
    schema: r.str('schema'),
    table: r.str('table'),
    name: r.str('name'),
    command: r.code('command', POLICY_COMMANDS),
    permissive: r.bool('permissive'),
    roles: [...r.strings('roles')].sort(cmp),
    using: r.optStr('using'),
    withCheck: r.optStr('withCheck'),
    comment: r.optStr('comment'),
  }));

  const rules: SnapshotRule[] = root.objs('rules').map((r) => ({
    schema: r.str('schema'),
    table: r.str('table'),
    name: r.str('name'),
    definition: r.str('definition'),
    enabled: r.code('enabled', ENABLED),
    comment: r.optStr('comment'),
  }));

  const statistics: SnapshotStatistics[] = root.objs('statistics').map((r) => ({
    schema: r.str('schema'),
    name: r.str('name'),
    tableSchema: r.str('tableSchema'),
    table: r.str('table'),
    definition: r.str('definition'),
    comment: r.optStr('comment'),
  }));

  const eventTriggers: SnapshotEventTrigger[] = root.objs('eventTriggers').map((r) => ({
    name: r.str('name'),
    event: r.str('event'),
    function: r.str('function'),
    tags: [...r.strings('tags')].sort(cmp),
    enabled: r.code('enabled', ENABLED),
    comment: r.optStr('comment'),
  }));

  const others: SnapshotOther[] = root.objs('others').map((r) => {
    const parent = r.optObj('parent');
    return {
      type: r.str('type'),
      schema: r.optStr('schema'),
      identity: r.str('identity'),
      parent: parent === null ? null : { type: parent.str('type'), identity: parent.str('identity') },
    };
  });

  return {
    serverVersion: root.num('version'),
    schemas: sortBy(schemas, (s) => [s.name]),
    extensions: sortBy(extensions, (e) => [e.name]),
    relations: sortBy(relations, (r) => [r.schema, r.name]),
    columns: sortBy(columns, (c) => [c.schema, c.table, c.name]),
    constraints: sortBy(constraints, (c) => [c.schema, c.table ?? '', c.domain ?? '', c.name]),
    indexes: sortBy(indexes, (i) => [i.schema, i.name]),
    sequences: sortBy(sequences, (s) => [s.schema, s.name]),
    types: sortBy(types, (t) => [t.schema, t.name]),
    functions: sortBy(functions, (f) => [f.schema, f.name, f.argumentTypes]),
    triggers: sortBy(triggers, (t) => [t.schema, t.table, t.name]),
    policies: sortBy(policies, (p) => [p.schema, p.table, p.name]),
    rules: sortBy(rules, (r) => [r.schema, r.table, r.name]),
    statistics: sortBy(statistics, (s) => [s.schema, s.name]),
    eventTriggers: sortBy(eventTriggers, (e) => [e.name]),
    others: sortBy(others, (o) => [o.type, o.identity]),
  };
}

/** The part of a node-postgres Client (or Pool) that takeSnapshot uses. */
export interface SnapshotQueryable {
  query(query: string | { name: string; text: string }): Promise<{ rows: Record<string, unknown>[] }>;
}

/** The prepared statement's name: planning the query costs more than running it on a small schema. */
const STATEMENT_NAME = 'alembic_guard_schema_snapshot';

/**
 * Run SNAPSHOT_SQL on a connection and parse the result. The query is sent as a named prepared
 * statement (node-postgres parses it once per connection; planning is most of its cost on a small
 * schema), or as plain text with `{ prepared: false }`, e.g. behind a pooler that drops prepared
 * statements. Database failures become a DatabaseError saying what to do; a malformed result is
 * a SnapshotFormatError (a bug).
 */
export async function takeSnapshot(
  client: SnapshotQueryable,
  options: { prepared?: boolean } = {},
): Promise<Snapshot> {
  let rows: Record<string, unknown>[];
  try {
    ({ rows } = await client.query(options.prepared === false ? SNAPSHOT_SQL : { name: STATEMENT_NAME, text: SNAPSHOT_SQL }));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new DatabaseError('Could not read the database schema for the snapshot.', {
      reason,
      hint:
        'The schema snapshot needs PostgreSQL 12 or newer and a role that can read the system catalogs; ' +
        'check the server version and that the connection is still open.',
      cause: e,
    });
  }
  const row = rows[0];
  if (rows.length !== 1 || row === undefined || !('snapshot' in row)) {
    throw new SnapshotFormatError('the query result', 'exactly one row with a snapshot column');
  }
  return parseSnapshot(row['snapshot']);
}
