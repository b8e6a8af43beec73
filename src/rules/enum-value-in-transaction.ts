import { defineRule } from './define.js';
import type { FindingDraft, PyValue } from '../model.js';
import type { Operation, OperationOf, RevisionOps } from '../ops/model.js';
import { nameKey } from '../ops/model.js';
import { lintedRevisions, q, report, target } from './support.js';
import { envSettingsOf, sqlTokens } from '../ops/env-settings.js';

type AddValue = OperationOf<'alter-type-add-value'>;

/**
 * Transaction number of each operation: the revision starts in the migration's transaction (1);
 * an autocommit block or a COMMIT / ROLLBACK ends it and the next statement in a transaction
 * starts a new one. Operations outside any transaction get 0.
 */
function transactions(ops: readonly Operation[]): number[] {
  let current = 1;
  let open = true;
  return ops.map((op) => {
    if (!op.inTransaction) {
      open = false;
      return 0;
    }
    if (!open) {
      current++;
      open = true;
    }
    const id = current;
    if (op.kind === 'transaction-control' && (op.statement === 'commit' || op.statement === 'rollback')) open = false;
    return id;
  });
}

/** String constants in SQL, decoded. */
function sqlStrings(sql: string): string[] {
  return sqlTokens(sql)
    .filter((t) => t.kind === 'string')
    .map((t) => t.text);
}

/** Keyword arguments that name things rather than carry data. */
const NAME_KWARGS = new Set(['table_name', 'column_name', 'new_column_name', 'index_name', 'constraint_name', 'schema', 'name', 'type_', 'existing_type', 'source_table', 'referent_table']);

function pyStrings(v: PyValue, out: string[]): void {
  switch (v.kind) {
    case 'str':
      out.push(v.value);
      break;
    case 'tuple':
    case 'list':
    case 'set':
      for (const i of v.items) pyStrings(i, out);
      break;
    case 'dict':
      for (const e of v.entries) pyStrings(e.value, out);
      break;
    case 'call':
      for (const a of v.args) pyStrings(a, out);
      for (const [k, a] of Object.entries(v.kwargs)) if (!NAME_KWARGS.has(k)) pyStrings(a, out);
      break;
  }
}

/** Whether the operation uses the enum value as data (a literal equal to it in its SQL or its arguments). */
function usesValue(op: Operation, value: string): boolean {
  if (op.kind === 'alter-type-add-value' || op.kind === 'create-type' || op.kind === 'alter-type-rename-value' || op.kind === 'set-setting') return false;
  if (op.source.kind === 'sql') return sqlStrings(op.source.statement).includes(value);
  const call = op.source.call;
  const found: string[] = [];
  // Positional strings directly in the op.* call are names (table, column, index); look inside
  // the other arguments: server_default=, sa.Column(...) defaults, bulk_insert rows, bindparams.
  for (const a of call.args) if (a.kind !== 'str') pyStrings(a, found);
  for (const [k, a] of Object.entries(call.kwargs)) if (!NAME_KWARGS.has(k)) pyStrings(a, found);
  return found.includes(value);
}

/** First operation among `ops` (from index `from`, while `tx[i] === txn`) that uses `value`. */
function firstUse(ops: readonly Operation[], tx: number[], from: number, txn: number, value: string): Operation | undefined {
  for (let i = from; i < ops.length; i++) {
    if (tx[i] !== txn) return undefined;
    if (usesValue(ops[i]!, value)) return ops[i];
  }
  return undefined;
}

const FIX = (a: AddValue): string =>
  `Add the value outside the transaction: \`with op.get_context().autocommit_block(): op.execute("ALTER TYPE ${q(a.typeName)} ADD VALUE IF NOT EXISTS '${a.value.replace(/'/g, "''")}'")\`; the value is committed at once and can be used after the block.`;

export default defineRule({
  id: 'enum-value-in-transaction',
  severity: 'error',
  category: 'operation',
  dialects: ['postgresql'],
  docs: {
    whatItDoes:
      "Flags `ALTER TYPE … ADD VALUE` inside the migration's transaction where it fails: before PostgreSQL 12 always, and on any version when the new value is used in the same transaction. Inside means not in `op.get_context().autocommit_block()`; a use is a string literal equal to it in a later `op.execute` SQL, `server_default=`, `op.bulk_insert` rows…). Without `transaction_per_migration=True` in env.py, `alembic upgrade` runs all pending revisions in one transaction, so a use in a later revision (a direct descendant, before its first autocommit block) counts too. A type created earlier in the same transaction is exempt: PostgreSQL allows both for a type it has not committed yet.",
    whyIsThisBad:
      'Before PostgreSQL 12 the statement fails outright: "ALTER TYPE ... ADD cannot run inside a transaction block". From 12 on it runs (taking an ACCESS EXCLUSIVE lock on the type), but the new value cannot be used until the transaction commits: the UPDATE or INSERT that uses it fails with "unsafe use of new value" and the whole migration rolls back, in CI on a fresh database or, worse, during the deploy.',
    example: `op.execute("ALTER TYPE order_status ADD VALUE 'refunded'")
op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")`,
    exampleSql: `ALTER TYPE order_status ADD VALUE 'refunded';
UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
-- ERROR:  unsafe use of new value "refunded" of enum type order_status`,
    useInstead: `with op.get_context().autocommit_block():
    op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")
op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")`,
    useInsteadSql: `COMMIT;
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';
BEGIN;
UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;`,
    options:
      'The target version comes from `[tool.alembic-guard] postgres_version`. Set the severity with `[tool.alembic-guard.rules] enum-value-in-transaction = "warning"`, or suppress one finding with `# alembic-guard: ignore[enum-value-in-transaction]` on the line or the line above.',
    references: [
      'https://www.postgresql.org/docs/current/sql-altertype.html',
      'https://www.postgresql.org/docs/release/12.0/',
      'https://alembic.sqlalchemy.org/en/latest/api/runtime.html#alembic.runtime.migration.MigrationContext.autocommit_block',
    ],
  },
  check(ctx) {
    const out: FindingDraft[] = [];
    const version = target(ctx).postgresVersion;
    const perMigration = envSettingsOf(ctx.envPy)?.transactionPerMigration === true;
    for (const rev of lintedRevisions(ctx)) {
      const ops = rev.upgrade;
      const tx = transactions(ops);
      ops.forEach((op, i) => {
        if (op.kind !== 'alter-type-add-value' || tx[i] === 0) return;
        const txn = tx[i]!;
        const typeKey = nameKey(op.typeName);
        const createdHere = ops.slice(0, i).some((e, k) => e.kind === 'create-type' && nameKey(e.typeName) === typeKey && tx[k] === txn);
        if (createdHere) return;
        const label = `ALTER TYPE ${q(op.typeName)} ADD VALUE '${op.value}'`;
        if (version < 12) {
          out.push(
            report(
              op,
              `${label} runs inside the migration's transaction: PostgreSQL ${version} refuses it ("ALTER TYPE ... ADD cannot run inside a transaction block"; allowed only from PostgreSQL 12).`,
              FIX(op),
            ),
          );
          return;
        }
        const use = firstUse(ops, tx, i + 1, txn, op.value);
        if (use !== undefined) {
          out.push(
            report(
              op,
              `${label} runs inside the migration's transaction and the new value is used at line ${use.loc.line} in the same transaction: PostgreSQL fails with "unsafe use of new value" until the ADD VALUE is committed.`,
              FIX(op),
            ),
          );
          return;
        }
        // Still open at the end of the revision? Then the next revisions run in the same transaction.
        if (perMigration || tx.slice(i + 1).some((t) => t !== txn)) return;
        const later = laterUse(ctx.ops?.byPath, ctx.graph.nodes, rev, op.value);
        if (later !== undefined) {
          out.push(
            report(
              op,
              `${label} runs inside the migration's transaction and revision ${later.rev} uses the new value (${later.op.file} line ${later.op.loc.line}): \`alembic upgrade\` runs both in one transaction (transaction_per_migration is not set), where PostgreSQL fails with "unsafe use of new value".`,
              FIX(op),
            ),
          );
        }
      });
    }
    return out;
  },
});

/** A use of `value` in a descendant revision's upgrade, before that revision leaves the transaction. */
function laterUse(
  byPath: ReadonlyMap<string, RevisionOps> | undefined,
  nodes: ReadonlyMap<string, { file: { path: string }; nextRevisions: string[] }>,
  rev: RevisionOps,
  value: string,
): { rev: string; op: Operation } | undefined {
  if (byPath === undefined || rev.revision === null) return undefined;
  const seen = new Set<string>();
  const queue = [...(nodes.get(rev.revision)?.nextRevisions ?? [])];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = nodes.get(id);
    const child = node !== undefined ? byPath.get(node.file.path) : undefined;
    if (child === undefined) continue;
    const tx = transactions(child.upgrade);
    const use = firstUse(child.upgrade, tx, 0, 1, value);
    if (use !== undefined) return { rev: id, op: use };
    // The child ends the shared transaction (autocommit block, COMMIT): its descendants are safe.
    if (tx.every((t) => t === 1)) queue.push(...(node?.nextRevisions ?? []));
  }
  return undefined;
}
