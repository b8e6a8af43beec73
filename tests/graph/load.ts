/**
 * Reads a fixture project the way the tool does: project discovery, Alembic's file list, the
 * tree-sitter parser.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { MigrationFile, Project } from '../../src/model.js';
import { loadProject } from '../../src/project/discover.js';
import { listRevisionFiles } from '../../src/project/collect.js';
import { parseMigration } from '../../src/source/parse.js';

export async function loadFixture(dir: string): Promise<{ project: Project; files: MigrationFile[] }> {
  const project = loadProject({ cwd: dir, env: {} });
  const refs = listRevisionFiles(project);
  const files = refs.map((ref) => {
    const buf = readFileSync(ref.absPath);
    return parseMigration(buf, ref, createHash('sha1').update(buf).digest('hex'));
  });
  return { project, files };
}
