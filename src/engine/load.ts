import type { MigrationFile, Project } from '../model.js';
import type { RevisionGraph } from '../graph/types.js';
import { listRevisionFiles } from '../project/collect.js';
import { loadMigrations } from '../source/load.js';
import { buildGraph } from '../graph/graph.js';

/** Every revision file Alembic would load, parsed, and the graph they make. */
export async function loadRevisions(project: Project, options: { cache: boolean }): Promise<{ files: MigrationFile[]; graph: RevisionGraph }> {
  const refs = listRevisionFiles(project);
  const files = await loadMigrations(refs, { root: project.root, cache: options.cache });
  return { files, graph: buildGraph(files) };
}
