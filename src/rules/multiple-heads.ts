import { defineRule, type RuleContext } from './define.js';
import type { FindingDraft } from '../model.js';
import { addEmail, addPhone, createUsers, exampleFiles } from '../graph/examples.js';
import { at, divergence, list, named, ownLabels } from '../graph/locate.js';

/**
 * A head is allowed when allowed_heads names its id, or names a branch label that this head
 * carries and no other head carries (`true`: any such label). Two heads on the same labelled
 * branch are a real fork and stay reported.
 */
function isAllowed(ctx: RuleContext, head: string): boolean {
  const allowed = ctx.project.settings.allowedHeads;
  if (allowed === false) return false;
  if (allowed !== true && allowed.includes(head)) return true;
  const own = ownLabels(ctx.graph, head, ctx.graph.heads);
  return allowed === true ? own.length > 0 : own.some((label) => allowed.includes(label));
}

export default defineRule({
  id: 'multiple-heads',
  severity: 'error',
  category: 'graph',
  docs: {
    whatItDoes:
      'Flags a revision history with more than one head: two migrations that revise the same parent (typically two branches merged in git, each with its own new migration), or a second base. Each head is reported on its `revision =` line with its file and the revision the heads diverge from. Heads listed in `allowed_heads` (by id or branch label) are not reported.',
    whyIsThisBad:
      '`alembic upgrade head` stops with "Multiple head revisions are present for given argument \'head\'", so the deploy that runs it fails, usually in CI or at release time rather than in the pull request that caused it. `alembic revision` refuses to create the next migration too. Running `alembic upgrade heads` instead applies both branches in an order nobody reviewed. Alembic counts effective heads too: a head that another branch only `depends_on` still makes `upgrade head` ambiguous.',
    example: exampleFiles(createUsers, addEmail, addPhone),
    useInstead: exampleFiles(createUsers, addEmail, addPhone, {
      file: '3f1c2d9e8a7b_merge_heads.py',
      message: 'merge heads',
      revision: '3f1c2d9e8a7b',
      downRevision: ['1975ea83b712', '27c6a30d7c24'],
    }),
    options: [
      'Projects with independent branches (several bases with `branch_labels`, upgraded with `alembic upgrade heads`) can allow their heads in `pyproject.toml`:',
      '',
      '```toml',
      '[tool.alembic-guard]',
      'allowed_heads = ["core", "plugin"]  # branch labels or revision ids',
      '# allowed_heads = true             # every head that carries a branch label of its own',
      '```',
      '',
      'Allowed heads may coexist with one main head, which needs no label: the rule reports when two or more heads are not allowed. A label allows one head: two heads that both carry the label `core` are a fork inside that branch and are still reported. When a `down_revision` is missing or the revisions form a cycle, the extra heads that causes are left to missing-down-revision and revision-cycle. Set the severity with `[tool.alembic-guard.rules] multiple-heads = "warning"`, or suppress one head with `# alembic-guard: ignore[multiple-heads]` on its `revision =` line.',
    ].join('\n'),
    references: [
      'https://alembic.sqlalchemy.org/en/latest/branches.html#working-with-branches',
      'https://alembic.sqlalchemy.org/en/latest/api/commands.html#alembic.command.merge',
    ],
  },
  check(ctx) {
    const { graph } = ctx;
    if (graph.heads.length < 2) return [];
    // Unreadable revision variables (reported by unparseable-migration) leave the graph incomplete.
    if (graph.unreadable.length > 0) return [];
    // A missing parent or a cycle makes extra heads of its own; those rules explain it better.
    if (graph.problems.some((p) => p.kind === 'missing-down-revision' || (p.kind === 'revision-cycle' && !p.dependency))) return [];
    // Allowed heads may coexist with one main head: report when two or more heads are not allowed.
    const reported = graph.heads.filter((h) => !isAllowed(ctx, h));
    if (reported.length < 2) return [];
    const real = new Set(graph.realHeads);
    const describe = (h: string) =>
      `${h} (${[graph.nodes.get(h)!.file.path, ...(reported.includes(h) ? [] : ['allowed']), ...(real.has(h) ? [] : ['effective head'])].join(', ')})`;
    const headList = list(graph.heads.map(describe));
    const findings: FindingDraft[] = [];
    for (const head of reported) {
      const node = graph.nodes.get(head)!;
      const peers = reported.filter((h) => h !== head);
      const fork = divergence(graph, head, peers);
      const where =
        fork.length > 0
          ? `It diverges from ${list(peers)} at ${list(fork.map((f) => named(graph, f)))}.`
          : `It shares no history with ${list(peers)}: it starts from a base of its own.`;
      const effective = real.has(head)
        ? ''
        : ` ${head} is an effective head: ${list(node.dependents)} only depend${node.dependents.length === 1 ? 's' : ''} on it, no revision revises it.`;
      const simple = reported.length === graph.heads.length && graph.heads.every((h) => real.has(h));
      findings.push({
        ...at(node.file, 'revision'),
        revision: head,
        message: `Multiple heads: ${head} is one of ${graph.heads.length} heads (${headList}). ${where}${effective} \`alembic upgrade head\` fails with "Multiple head revisions are present".`,
        fix:
          `Merge them with \`alembic merge -m "merge heads" ${reported.join(' ')}\`${simple ? ' (or `alembic merge heads`)' : ''} and commit the merge revision. ` +
          'If the branches are meant to stay separate, give each its own branch label and list the labels in [tool.alembic-guard] allowed_heads.',
      });
    }
    return findings;
  },
});
