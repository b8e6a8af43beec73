/**
 * Runs a shape rule on real parsed files with a chosen project layout (file_template, version
 * locations, file names): what the shared rule tester (one file named snippet.py) cannot vary.
 */
import { createHash } from 'node:crypto';
import type { FindingDraft, MigrationFile, Project } from '../../src/model.js';
import type { Rule, RuleContext } from '../../src/rules/define.js';
import { parseMigration } from '../../src/source/parse.js';
import { buildGraph } from '../../src/graph/graph.js';

export const ROOT = '/project';
export const VERSIONS = '/project/migrations/versions';

export function projectWith(overrides: Partial<Project> = {}): Project {
  return {
    root: ROOT,
    configFiles: [],
    section: 'alembic',
    versionLocations: [VERSIONS],
    recursiveVersionLocations: false,
    sourceless: false,
    fileTemplate: '%(rev)s_%(slug)s',
    prependSysPath: [],
    dialect: 'postgresql',
    settings: { rules: {}, skipRevisions: [], allowedHeads: [], versionLocations: [] },
    warnings: [],
    ...overrides,
  };
}

/** Parse `source` as if it were `<versions>/<name>` (name may hold subdirectories). */
export function fileAt(name: string, source: string | Buffer, versions = VERSIONS): MigrationFile {
  const buf = typeof source === 'string' ? Buffer.from(source, 'utf8') : source;
  const absPath = `${versions}/${name}`;
  return parseMigration(buf, { path: absPath.slice(ROOT.length + 1), absPath }, createHash('sha1').update(buf).digest('hex'));
}

export function runRule(rule: Rule, files: MigrationFile[], project: Project = projectWith()): FindingDraft[] {
  const ctx: RuleContext = { project, files, graph: buildGraph(files), lintedFiles: files };
  return rule.check!(ctx);
}

/** A minimal module with the given revision (and valid everything else). */
export function moduleFor(revision: string, down: string | null = null): string {
  return `"""doc"""\nrevision = ${JSON.stringify(revision)}\ndown_revision = ${down === null ? 'None' : JSON.stringify(down)}\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n`;
}

/**
 * A docs example as files: one module, or several each introduced by `# file: versions/<name>.py`
 * (names relative to the script location). Without a header the file is `<revision>_example.py`.
 */
export function exampleFiles(example: string): MigrationFile[] {
  const chunks = example.split(/^(?=# file: )/m).filter((c) => c.trim() !== '');
  return chunks.map((chunk) => {
    const header = /^# file: (.+)$/m.exec(chunk);
    if (header !== null && chunk.startsWith('# file: ')) {
      const name = header[1]!.trim().replace(/^versions\//, '');
      return fileAt(name, chunk);
    }
    const rev = /^revision\s*(?::[^=]*)?=\s*["']([^"']*)["']/m.exec(chunk)?.[1] ?? 'example';
    return fileAt(`${rev}_example.py`, chunk);
  });
}
