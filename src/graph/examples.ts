/**
 * Builds the multi-file Alembic examples in the graph rules' docs: whole modules in the shape
 * `alembic revision` writes, each introduced by `# file: versions/<name>.py` (see RuleDocs.example).
 */

export interface ExampleRevision {
  file: string;
  message: string;
  revision: string;
  downRevision: string | string[] | null;
  branchLabels?: string | string[];
  dependsOn?: string | string[];
  /** Body lines of upgrade() / downgrade(), without indentation; `pass` when absent. */
  upgrade?: string[];
  downgrade?: string[];
}

function py(value: string | string[] | null | undefined): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return JSON.stringify(value);
  return `(${value.map((v) => JSON.stringify(v)).join(', ')}${value.length === 1 ? ',' : ''})`;
}

function module(r: ExampleRevision): string {
  const revises = r.downRevision === null ? '' : typeof r.downRevision === 'string' ? r.downRevision : r.downRevision.join(', ');
  const body = (lines: string[] | undefined) => (lines === undefined || lines.length === 0 ? ['pass'] : lines).map((l) => `    ${l}`).join('\n');
  const usesSa = [...(r.upgrade ?? []), ...(r.downgrade ?? [])].some((l) => l.includes('sa.'));
  return [
    `# file: versions/${r.file}`,
    `"""${r.message}`,
    '',
    `Revision ID: ${r.revision}`,
    `Revises: ${revises}`,
    'Create Date: 2024-05-02 10:14:03.125512',
    '',
    '"""',
    'from alembic import op',
    ...(usesSa ? ['import sqlalchemy as sa'] : []),
    '',
    '# revision identifiers, used by Alembic.',
    `revision = ${py(r.revision)}`,
    `down_revision = ${py(r.downRevision)}`,
    `branch_labels = ${py(r.branchLabels)}`,
    `depends_on = ${py(r.dependsOn)}`,
    '',
    '',
    'def upgrade():',
    body(r.upgrade),
    '',
    '',
    'def downgrade():',
    body(r.downgrade),
    '',
  ].join('\n');
}

/** Several modules, in load order, as one docs example. */
export function exampleFiles(...revisions: ExampleRevision[]): string {
  return revisions.map(module).join('\n\n');
}

/** Split a multi-file example back into its files (for the docs tests). */
export function splitExample(text: string): { file: string; source: string }[] {
  const out: { file: string; source: string }[] = [];
  let current: { file: string; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    const m = /^# file: (.+\.py)\s*$/.exec(line);
    if (m !== null) {
      if (current !== undefined) out.push({ file: current.file, source: current.lines.join('\n').replace(/\n+$/, '\n') });
      current = { file: m[1]!, lines: [] };
      continue;
    }
    current?.lines.push(line);
  }
  if (current !== undefined) out.push({ file: current.file, source: current.lines.join('\n').replace(/\n+$/, '\n') });
  return out;
}

/** The base revision most examples start from. */
export const createUsers: ExampleRevision = {
  file: 'ae1027a6acf1_create_users.py',
  message: 'create users',
  revision: 'ae1027a6acf1',
  downRevision: null,
  upgrade: ['op.create_table("users", sa.Column("id", sa.BigInteger(), primary_key=True))'],
  downgrade: ['op.drop_table("users")'],
};

export const addEmail: ExampleRevision = {
  file: '1975ea83b712_add_email.py',
  message: 'add email',
  revision: '1975ea83b712',
  downRevision: 'ae1027a6acf1',
  upgrade: ['op.add_column("users", sa.Column("email", sa.Text(), nullable=True))'],
  downgrade: ['op.drop_column("users", "email")'],
};

export const addPhone: ExampleRevision = {
  file: '27c6a30d7c24_add_phone.py',
  message: 'add phone',
  revision: '27c6a30d7c24',
  downRevision: 'ae1027a6acf1',
  upgrade: ['op.add_column("users", sa.Column("phone", sa.Text(), nullable=True))'],
  downgrade: ['op.drop_column("users", "phone")'],
};
