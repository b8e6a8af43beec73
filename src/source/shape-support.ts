/** Small helpers shared by the shape rules in src/rules/. */
import type { FindingDraft, Location, MigrationFile } from '../model.js';

/** `Revision 1a2b3c` or, when the id is unknown, the file's path. */
export function revisionOf(file: MigrationFile): string {
  return file.revision.value !== null ? `Revision ${file.revision.value}` : file.path;
}

/**
 * Whether the file's structure (docstring, functions) can be trusted: not after a syntax error
 * (tree-sitter's recovery can swallow a whole `def`), nor when it could not be read at all. Such
 * files get their `unparseable-migration` finding and nothing else from the shape rules.
 */
export function structureKnown(file: MigrationFile): boolean {
  return !file.problems.some((p) => p.kind === 'syntax' || p.kind === 'read' || p.kind === 'internal');
}

/** A finding on one file: path, position (line 1, column 1 when none) and revision filled in. */
export function fileFinding(file: MigrationFile, at: Location | undefined, message: string, fix: string): FindingDraft {
  const f: FindingDraft = { file: file.path, line: at?.line ?? 1, column: at?.column ?? 1, message, fix };
  if (at !== undefined) {
    f.endLine = at.endLine;
    f.endColumn = at.endColumn;
  }
  if (file.revision.value !== null) f.revision = file.revision.value;
  return f;
}

/** The whole-module docs examples of the shape rules share this header. */
export function exampleModule(parts: {
  file?: string;
  docstring?: string | null;
  revision?: string;
  downRevision?: string;
  upgrade?: string | null;
  downgrade?: string | null;
  /** Extra module-level code after the functions. */
  extra?: string;
}): string {
  const revision = parts.revision ?? '5d4c3b2a1f0e';
  const down = parts.downRevision ?? '3f2a1c9d8e7b';
  const doc =
    parts.docstring === null
      ? ''
      : `"""${parts.docstring ?? 'add paid_at to invoices'}\n\nRevision ID: ${revision}\nRevises: ${down}\nCreate Date: 2024-05-03 09:30:00.000000\n\n"""\n`;
  const fn = (name: string, body: string | null | undefined, fallback: string) =>
    body === null ? '' : `\n\ndef ${name}():\n${(body ?? fallback).replace(/^/gm, '    ')}\n`;
  return [
    parts.file !== undefined ? `# file: versions/${parts.file}\n` : '',
    doc,
    'from alembic import op\nimport sqlalchemy as sa\n\n',
    '# revision identifiers, used by Alembic.\n',
    `revision = ${JSON.stringify(revision)}\n`,
    `down_revision = ${JSON.stringify(down)}\n`,
    'branch_labels = None\ndepends_on = None\n',
    fn('upgrade', parts.upgrade, 'op.add_column("invoices", sa.Column("paid_at", sa.DateTime(), nullable=True))'),
    fn('downgrade', parts.downgrade, 'op.drop_column("invoices", "paid_at")'),
    parts.extra !== undefined ? `\n\n${parts.extra}` : '',
  ].join('');
}
