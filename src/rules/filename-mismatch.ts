import { posix, sep } from 'node:path';
import { defineRule } from './define.js';
import type { FindingDraft, MigrationFile, Project } from '../model.js';
import { exampleModule, fileFinding, revisionOf } from '../source/shape-support.js';
import { exampleFileName, fileNameFits } from '../source/file-template.js';

const DEFAULT_TEMPLATE = '%(rev)s_%(slug)s';

/** The file's path below the version location that holds it (the part file_template produces). */
function nameInLocation(project: Project, file: MigrationFile): string {
  let best: string | undefined;
  for (const loc of project.versionLocations) {
    const prefix = loc.endsWith(sep) ? loc : loc + sep;
    if (!file.absPath.startsWith(prefix)) continue;
    const name = file.absPath.slice(prefix.length).split(sep).join('/');
    if (best === undefined || name.length < best.length) best = name;
  }
  return best ?? posix.basename(file.path);
}

export const rule = defineRule({
  id: 'filename-mismatch',
  severity: 'error',
  category: 'shape',
  docs: {
    whatItDoes:
      'Flags a revision file whose name does not fit the project\'s `file_template` for its own revision id. With the default template `%(rev)s_%(slug)s` the name must begin with the revision id (`1a2b3c4d5e6f_add_users.py`, or `037_add_table.py` for a hand-picked `--rev-id 037`). Every token Alembic\'s file_template knows is understood: `%(rev)s`, `%(slug)s`, `%(epoch)s`, `%(year)d`, `%(month).2d`, `%(day).2d`, `%(hour).2d`, `%(minute).2d`, `%(second).2d`, in subdirectories too. The slug part is free text. Files named by the legacy rule (no `revision` variable, the id taken from a hex file name) always fit.',
    whyIsThisBad:
      'The name is how people find a revision: a file copied from another one and given a new `revision` (or renamed without updating it) points reviewers, `grep` and merge-conflict resolution at the wrong revision, and two files can appear to be the same revision.',
    example: exampleModule({ file: '3f2a1c9d8e7b_add_paid_at_to_invoices.py' }),
    useInstead: exampleModule({ file: '5d4c3b2a1f0e_add_paid_at_to_invoices.py' }),
    options: 'The template is read from `file_template` in alembic.ini (or `[tool.alembic]` in pyproject.toml), as `alembic revision` uses it.',
    references: ['https://alembic.sqlalchemy.org/en/latest/tutorial.html#editing-the-ini-file'],
  },
  check(ctx) {
    const template = ctx.project.fileTemplate || DEFAULT_TEMPLATE;
    const findings: FindingDraft[] = [];
    for (const file of ctx.lintedFiles) {
      const rev = file.revision.value;
      if (rev === null || file.revisionFromFilename) continue;
      const name = nameInLocation(ctx.project, file);
      if (fileNameFits(template, rev, name)) continue;
      const want = exampleFileName(template, rev);
      findings.push(
        fileFinding(
          file,
          file.revision.loc,
          `${revisionOf(file)} is in "${name}", which does not fit file_template "${template}" (expected a name like "${want}").`,
          `Rename the file to "${want}" with the slug you like, or, if the name is right, correct \`revision = ...\` (and the down_revision of the revisions after it).`,
        ),
      );
    }
    return findings;
  },
});
