import { defineRule, type RuleContext } from './define.js';
import type { FindingDraft } from '../model.js';
import { addEmail, addPhone, createUsers, exampleFiles } from '../graph/examples.js';
import { at, divergence, headsDespiteBrokenLinks, list, named, ownLabels, type HeadsDespiteBrokenLinks } from '../graph/locate.js';
import type { RevisionGraph } from '../graph/types.js';

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
      'Allowed heads may coexist with one main head, which needs no label: the rule reports when two or more heads are not allowed. A label allows one head: two heads that both carry the label `core` are a fork inside that branch and are still reported. When the revisions form a cycle, the extra heads that causes are left to revision-cycle. When a `down_revision` is missing, Alembic stops before counting heads; this rule counts them as Alembic will once that link is fixed: over the revisions that load (the broken revision and those above it left out), and only when no repair of the missing links can merge them away (each repaired link can continue at most one head), so the heads are reported in the same run as the broken link, without a finding for the head the broken link itself makes. Set the severity with `[tool.alembic-guard.rules] multiple-heads = "warning"`, or suppress one head with `# alembic-guard: ignore[multiple-heads]` on its `revision =` line.',
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
    // A cycle makes extra heads of its own; revision-cycle explains it better.
    if (graph.problems.some((p) => p.kind === 'revision-cycle' && !p.dependency)) return [];
    // Allowed heads may coexist with one main head: report when two or more heads are not allowed.
    let shown = graph.heads;
    let reported = graph.heads.filter((h) => !isAllowed(ctx, h));
    let broken: HeadsDespiteBrokenLinks | undefined;
    if (graph.problems.some((p) => p.kind === 'missing-down-revision')) {
      // Heads as Alembic will count them once the missing parents are fixed: only those no repair
      // can merge away are reported (missing-down-revision reports the broken link itself).
      broken = headsDespiteBrokenLinks(graph, reported);
      if (broken.atLeast < 2) return [];
      // The divergence among the revisions that load; when they have a single head, the fork is
      // above the broken link (then at least two heads there are not allowed, as atLeast >= 2).
      const leftOut = new Set(broken.leftOut);
      const loaded = broken.heads.filter((h) => !isAllowed(ctx, h));
      shown = loaded.length >= 2 ? broken.heads : graph.heads.filter((h) => leftOut.has(h));
      reported = loaded.length >= 2 ? loaded : reported.filter((h) => leftOut.has(h));
    }
    if (reported.length < 2) return [];
    const real = new Set(graph.realHeads);
    const describe = (h: string) =>
      `${h} (${[graph.nodes.get(h)!.file.path, ...(reported.includes(h) ? [] : ['allowed']), ...(real.has(h) ? [] : ['effective head'])].join(', ')})`;
    const headList = list(shown.map(describe));
    const counted = broken === undefined ? '' : ` ${brokenNote(graph, broken, shown.every((h) => broken!.leftOut.includes(h)))}`;
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
      const simple = broken === undefined && reported.length === graph.heads.length && graph.heads.every((h) => real.has(h));
      findings.push({
        ...at(node.file, 'revision'),
        revision: head,
        message: `Multiple heads: ${head} is one of ${shown.length} heads (${headList}). ${where}${effective}${counted} \`alembic upgrade head\` fails with "Multiple head revisions are present"${broken === undefined ? '' : ' once the history loads'}.`,
        fix:
          (broken === undefined ? '' : 'Fix the missing down_revision first (missing-down-revision), then: ') +
          `Merge them with \`alembic merge -m "merge heads" ${reported.join(' ')}\`${simple ? ' (or `alembic merge heads`)' : ''} and commit the merge revision. ` +
          'If the branches are meant to stay separate, give each its own branch label and list the labels in [tool.alembic-guard] allowed_heads.',
      });
    }
    return findings;
  },
});

/** What the heads were counted over when some down_revision is missing, for the message. */
function brokenNote(graph: RevisionGraph, b: HeadsDespiteBrokenLinks, aboveTheBreak: boolean): string {
  const above = b.leftOut.length - b.broken.length;
  const which = `${list(b.broken.map((r) => named(graph, r)))}${above > 0 ? ` and the ${above} revision${above === 1 ? '' : 's'} above ${b.broken.length === 1 ? 'it' : 'them'}` : ''}`;
  const counted = aboveTheBreak
    ? `Counted above ${list(b.broken)}, whose down_revision names a missing revision (missing-down-revision): wherever ${b.broken.length === 1 ? 'it is' : 'they are'} attached once fixed, these heads stay.`
    : `Counted over the revisions that load, as Alembic will once the broken down_revision is fixed; left out: ${which} (missing-down-revision). Repairing ${b.links === 1 ? 'that link' : `those ${b.links} links`} can continue at most ${b.links === 1 ? 'one' : b.links} of these lines, so at least ${b.atLeast} heads remain.`;
  return counted;
}
