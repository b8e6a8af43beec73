/** Drafts: operations before the build stage adds their context. Shared by both front ends. */
import type { Location } from '../model.js';
import type { Operation, OpSource } from './model.js';

/** An operation before the build stage adds its context (file, revision, phase, transaction …). */
export type OpDraft = DistributiveOmit<Operation, 'file' | 'revision' | 'phase' | 'function' | 'inTransaction' | 'batch' | 'tableCreatedInRevision' | 'index'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The common head of every draft. At run time it already holds the context fields (with
 * placeholder values) so that `contextualize` only overwrites properties: adding eight properties
 * to objects of two dozen shapes was a third of the ops stage's time.
 */
export function draftBase(loc: Location, source: OpSource): { loc: Location; source: OpSource } {
  const base = { file: '', revision: null, phase: 'upgrade', function: '', inTransaction: true, batch: false, tableCreatedInRevision: false, index: 0, loc, source };
  return base as { loc: Location; source: OpSource };
}
