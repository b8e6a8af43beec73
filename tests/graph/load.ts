/**
 * Reads a fixture project the way the tool does: project discovery, Alembic's file list, and the
 * source loader (tree-sitter parser; no cache, so fixtures stay untouched).
 */
import type { MigrationFile, Project } from '../../src/model.js';
import { loadProject } from '../../src/project/discover.js';
import { listRevisionFiles } from '../../src/project/collect.js';
import { loadMigrations } from '../../src/source/load.js';

export async function loadFixture(dir: string): Promise<{ project: Project; files: MigrationFile[] }> {
  const project = loadProject({ cwd: dir, env: {} });
  const files = await loadMigrations(listRevisionFiles(project), { root: project.root, cache: false, threads: 1 });
  return { project, files };
}
