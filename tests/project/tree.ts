/** Builds small real Alembic projects on disk for tests/project. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A file's content, or `{ symlink: target }`, or `{ dir: true }` for an empty folder. */
export type TreeEntry = string | { symlink: string } | { dir: true };

export function writeTree(root: string, tree: Record<string, TreeEntry>): void {
  for (const [rel, entry] of Object.entries(tree)) {
    const abs = join(root, rel);
    if (typeof entry === 'object' && 'dir' in entry) {
      mkdirSync(abs, { recursive: true });
      continue;
    }
    mkdirSync(dirname(abs), { recursive: true });
    if (typeof entry === 'string') writeFileSync(abs, entry);
    else symlinkSync(entry.symlink, abs);
  }
}

/** A minimal revision module Alembic can import. */
export function revisionModule(rev: string, down: string | null = null): string {
  return `"""${rev}"""\nrevision = ${JSON.stringify(rev)}\ndown_revision = ${down === null ? 'None' : JSON.stringify(down)}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`;
}
