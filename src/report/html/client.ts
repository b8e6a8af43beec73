/**
 * The report page's script. `client` is inlined into the page as its source text
 * (`(${client})()`), so it must not use anything from outside its own body: no imports but types
 * (erased when compiled), no module-level names. It renders every piece of report text with
 * textContent (never innerHTML), so nothing in a migration can become markup.
 */
import type { Severity } from '../../model.js';
import type { TraceRevision } from '../../checks/trace.js';
import type { ClientData, ClientFinding as Finding, ClientRevision as Revision } from './data.js';

export function client(): void {
  const data = JSON.parse(document.getElementById('report-data')!.textContent!) as ClientData;
  const svg = document.getElementById('graph') as unknown as SVGSVGElement;
  const viewport = document.getElementById('viewport') as unknown as SVGGElement;
  const pane = document.getElementById('graph-pane')!;
  const panel = document.getElementById('panel')!;
  const panelBody = document.getElementById('panel-body')!;

  // ---------------------------------------------------------------------------------------------
  // DOM helpers: text only.
  type Child = Node | string | null | undefined | false;
  function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
    return e;
  }
  function revLink(rev: string): HTMLElement {
    return el('a', { href: `#rev=${encodeURIComponent(rev)}`, class: 'mono' }, rev);
  }
  function joined(items: Node[], sep = ', '): DocumentFragment {
    const f = document.createDocumentFragment();
    items.forEach((n, i) => {
      if (i > 0) f.append(sep);
      f.append(n);
    });
    return f;
  }
  function ms(n: number): string {
    return n < 1000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(n < 10000 ? 2 : 1)} s`;
  }

  // ---------------------------------------------------------------------------------------------
  // SQL highlighting: comments, strings, dollar quotes, quoted names, numbers, keywords.
  const KEYWORDS = new Set(
    ('select insert update delete from where into values set create alter drop table index unique on add column constraint primary key foreign references ' +
      'not null default begin commit rollback transaction concurrently if exists cascade restrict type as using with returning and or is in like ' +
      'grant revoke to sequence view materialized function trigger returns language replace rename owner schema extension enum check validate ' +
      'truncate lock share exclusive mode nowait timeout statement lock_timeout statement_timeout vacuum analyze comment only join left right inner ' +
      'outer group by order limit offset case when then else end do execute procedure for each row before after of varchar integer bigint text ' +
      'boolean timestamp with without time zone serial bigserial uuid jsonb json numeric smallint real double precision date interval true false identity generated always')
      .split(/\s+/),
  );
  const TOKEN = /(--[^\n]*|\/\*[\s\S]*?\*\/)|('(?:[^']|'')*'?)|(\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?(?:\$\4\$|$))|("(?:[^"]|"")*"?)|(\b\d+(?:\.\d+)?\b)|([A-Za-z_][A-Za-z0-9_$]*)/g;
  function highlightSql(sql: string): HTMLElement {
    const pre = el('pre', { class: 'sql' });
    let last = 0;
    for (const m of sql.matchAll(TOKEN)) {
      const at = m.index!;
      if (at > last) pre.append(sql.slice(last, at));
      const kind = m[1] !== undefined ? 'c' : m[2] !== undefined || m[3] !== undefined ? 's' : m[5] !== undefined ? 'q' : m[6] !== undefined ? 'n' : KEYWORDS.has(m[0].toLowerCase()) ? 'k' : '';
      pre.append(kind === '' ? m[0] : el('span', { class: kind }, m[0]));
      last = at + m[0].length;
    }
    if (last < sql.length) pre.append(sql.slice(last));
    return pre;
  }

  // ---------------------------------------------------------------------------------------------
  // Findings and the filter.
  const hiddenSeverities = new Set<string>();
  const hiddenRules = new Set<string>();
  function findingVisible(f: { rule: string; severity: string }): boolean {
    return !hiddenSeverities.has(f.severity) && !hiddenRules.has(f.rule);
  }
  function findingItem(f: Finding, showRevision: boolean): HTMLElement {
    const where: Child[] = [];
    if (f.file !== undefined) where.push(el('span', { class: 'mono' }, f.line !== undefined ? `${f.file}:${f.line}${f.column !== undefined ? `:${f.column}` : ''}` : f.file));
    if (showRevision && f.revision !== undefined) where.push(' · revision ', revLink(f.revision));
    const item = el(
      'div',
      { class: `finding f-${f.severity}`, 'data-rule': f.rule, 'data-severity': f.severity },
      el('div', {}, el('span', { class: `sev sev-${f.severity}` }, f.severity), ' ', el('a', { href: `#rule-${f.rule}`, class: 'mono rule-link' }, f.rule), ' ', el('span', { class: 'text' }, f.message)),
      where.length > 0 ? el('div', { class: 'where' }, ...where) : null,
      f.source !== undefined
        ? el('pre', { class: 'src' }, ...f.source.map(([n, text, hit]) => el('span', { class: hit === 1 ? 'hit' : '' }, el('span', { class: 'ln' }, String(n)), `${text}\n`)))
        : null,
      f.fix !== undefined ? el('div', { class: 'fix' }, f.fix) : null,
    );
    item.hidden = !findingVisible(f);
    return item;
  }
  function applyFilter(): void {
    let shown = 0;
    let total = 0;
    for (const e of document.querySelectorAll<HTMLElement>('.finding')) {
      const visible = findingVisible({ rule: e.dataset.rule!, severity: e.dataset.severity! });
      e.hidden = !visible;
      if (e.closest('#findings-list')) {
        total++;
        if (visible) shown++;
      }
    }
    for (const g of document.querySelectorAll<HTMLElement>('#findings-list .group')) g.hidden = g.querySelector('.finding:not([hidden])') === null;
    const note = document.getElementById('filter-note');
    if (note) note.textContent = shown === total ? `${total} findings` : `showing ${shown} of ${total} findings`;
  }
  for (const box of document.querySelectorAll<HTMLInputElement>('input[data-filter]')) {
    box.addEventListener('change', () => {
      const set = box.dataset.filter === 'severity' ? hiddenSeverities : hiddenRules;
      if (box.checked) set.delete(box.value);
      else set.add(box.value);
      applyFilter();
    });
  }

  const byRevision = new Map<string, Finding[]>();
  const project: Finding[] = [];
  for (const f of data.findings) {
    if (f.revision === undefined) {
      project.push(f);
      continue;
    }
    const list = byRevision.get(f.revision);
    if (list) list.push(f);
    else byRevision.set(f.revision, [f]);
  }

  function renderFindingsList(): void {
    const list = document.getElementById('findings-list');
    if (!list) return;
    const frag = document.createDocumentFragment();
    for (const [rev, findings] of byRevision) {
      const info = data.revisions[rev];
      frag.append(
        el('div', { class: 'group' }, el('h4', {}, 'Revision ', revLink(rev), info !== undefined && info.message !== '' ? ` · ${info.message.split('\n')[0]}` : ''), ...findings.map((f) => findingItem(f, false))),
      );
    }
    if (project.length > 0) frag.append(el('div', { class: 'group' }, el('h4', {}, 'Project'), ...project.map((f) => findingItem(f, false))));
    list.replaceChildren(frag);
    applyFilter();
  }

  // ---------------------------------------------------------------------------------------------
  // The panel.
  let current: Element | null = null;
  function markCurrent(nodeId: string | undefined): void {
    current?.classList.remove('current');
    current = nodeId !== undefined ? viewport.querySelector(`[data-node="${nodeId}"]`) : null;
    current?.classList.add('current');
  }
  function openPanel(content: Node[], nodeId: string | undefined): void {
    panelBody.replaceChildren(...content);
    panel.hidden = false;
    panel.scrollTop = 0;
    markCurrent(nodeId);
    // The panel takes room from the graph: keep the node in view.
    if (nodeId !== undefined) requestAnimationFrame(() => centerOn(nodeId));
  }
  function closePanel(): void {
    panel.hidden = true;
    markCurrent(undefined);
    if (location.hash.startsWith('#rev=') || location.hash.startsWith('#node=')) history.replaceState(null, '', location.pathname + location.search);
  }
  document.getElementById('panel-close')!.addEventListener('click', closePanel);

  function badges(r: Revision): Child[] {
    const out: Child[] = [];
    if (r.head) out.push(el('span', { class: 'badge' }, 'head'));
    if (r.base) out.push(el('span', { class: 'badge' }, 'base'));
    if (new Set(r.down).size > 1) out.push(el('span', { class: 'badge' }, 'merge point'));
    if (r.children.length > 1) out.push(el('span', { class: 'badge' }, 'branch point'));
    if (r.selected) out.push(el('span', { class: 'badge since' }, 'changed (--since)'));
    return out;
  }

  function traceTable(t: TraceRevision): Node[] {
    const rows = t.statements.map((s, i) =>
      el(
        'tr',
        {},
        el('td', { class: 'num' }, String(i + 1)),
        el('td', {}, el('code', { title: s.sql }, s.sql.length > 160 ? `${s.sql.slice(0, 159)}…` : s.sql)),
        el('td', { class: 'num' }, s.line !== undefined ? String(s.line) : ''),
        el('td', { class: 'num' }, ms(s.durationMs)),
        // The locks this statement added (the trace lists only those; an earlier statement's are
        // on its own row). Those on relations that existed before the revision are what blocks a
        // running application; the ones on relations the revision created say "(new)".
        el(
          'td',
          {},
          ...s.locks.map((l) =>
            el(
              'div',
              l.blocks !== undefined ? { title: `blocks ${l.blocks}` } : {},
              el('code', {}, l.mode),
              ' on ',
              el('code', {}, l.relation),
              l.preexisting ? '' : ' (new)',
              l.heldMs !== undefined ? ` (held ${ms(l.heldMs)})` : '',
            ),
          ),
        ),
        el('td', {}, ...s.rewrites.map((w) => el('div', {}, `${w.kind} `, el('code', {}, w.relation)))),
      ),
    );
    const out: Node[] = [
      el(
        'table',
        { class: 'trace' },
        el('thead', {}, el('tr', {}, el('th', {}, '#'), el('th', {}, 'statement'), el('th', {}, 'line'), el('th', {}, 'duration'), el('th', {}, 'locks added'), el('th', {}, 'rewrites'))),
        el('tbody', {}, ...rows),
      ),
    ];
    if (t.seeded !== undefined && t.seeded.length > 0) out.push(el('p', { class: 'muted' }, 'Seeded: ', t.seeded.map((s) => `${s.table} (${s.rows} rows)`).join(', ')));
    if (t.skipped !== undefined && t.skipped.length > 0) out.push(el('p', { class: 'muted' }, 'Not seeded: ', t.skipped.map((s) => `${s.table} (${s.reason})`).join(', ')));
    // The static findings of this revision the trace saw happen, those it did not, and what only it found.
    const at = (f: { rule: string; line?: number }): string => (f.line !== undefined ? `${f.rule} (line ${f.line})` : f.rule);
    if (t.confirmed.length > 0) out.push(el('p', {}, 'Confirmed by the trace: ', t.confirmed.map(at).join(', ')));
    if (t.notObserved.length > 0) out.push(el('p', { class: 'muted' }, 'Not observed: ', t.notObserved.map((f) => `${at(f)}: ${f.reason}`).join('; ')));
    if (t.traceOnly.length > 0) out.push(el('p', {}, 'Found only by the trace: ', t.traceOnly.map(at).join(', ')));
    return out;
  }

  function revisionPanel(rev: string): void {
    const r = data.revisions[rev];
    const findings = byRevision.get(rev) ?? [];
    const content: Node[] = [];
    if (r === undefined) {
      content.push(el('h2', {}, 'Revision ', el('code', {}, rev)), el('p', { class: 'muted' }, 'Not in the revision graph (its file could not be read, or no file declares it).'));
      if (findings.length > 0) content.push(el('h3', {}, `Findings (${findings.length})`), ...findings.map((f) => findingItem(f, false)));
      openPanel(content, undefined);
      return;
    }
    content.push(el('h2', {}, 'Revision ', el('code', {}, rev), ...badges(r)));
    if (r.message !== '') content.push(el('p', { class: 'message' }, r.message));
    const props: Node[] = [el('dt', {}, 'File'), el('dd', {}, el('code', {}, r.file))];
    props.push(el('dt', {}, 'Down revisions'), el('dd', {}, r.down.length === 0 ? '(base)' : joined(r.down.map(revLink))));
    if (r.children.length > 0) props.push(el('dt', {}, 'Next'), el('dd', {}, joined(r.children.map(revLink))));
    if (r.dependsOn.length > 0) props.push(el('dt', {}, 'Depends on'), el('dd', {}, joined(r.dependsOn.map(revLink))));
    if (r.labels.length > 0) props.push(el('dt', {}, 'Branch labels'), el('dd', {}, r.labels.join(', ')));
    content.push(el('dl', { class: 'props' }, ...props));
    content.push(el('h3', {}, `Findings (${findings.length})`));
    content.push(findings.length === 0 ? el('p', { class: 'muted' }, 'None.') : el('div', {}, ...findings.map((f) => findingItem(f, false))));
    if (r.checks !== undefined) {
      content.push(
        el('h3', {}, 'Database checks'),
        el(
          'table',
          { class: 'checks' },
          el('tbody', {}, ...r.checks.map((c) => el('tr', {}, el('td', { class: 'mono' }, c.check), el('td', { class: `status-${c.status}` }, c.status === 'elsewhere' ? 'no finding here' : c.status), el('td', {}, c.message)))),
        ),
      );
    }
    const trace = data.trace?.[rev];
    if (trace !== undefined) content.push(el('h3', {}, 'Lock trace'), ...traceTable(trace));
    content.push(el('h3', {}, 'Offline SQL'));
    if (r.sql !== undefined) content.push(r.sql.trim() === '' ? el('p', { class: 'muted' }, 'No SQL (the upgrade emits nothing).') : highlightSql(r.sql));
    else if (r.sqlError !== undefined) content.push(el('p', { class: 'sev-error' }, `Could not be rendered: ${r.sqlError}`));
    else content.push(el('p', { class: 'muted' }, data.runtime ? 'Not rendered.' : 'The database checks did not run (check --static): no offline SQL.'));
    openPanel(content, r.node);
  }

  function runPanel(nodeId: string): void {
    const n = data.nodes[nodeId]!;
    const items = [...n.revisions].reverse().map((rev) => {
      const r = data.revisions[rev]!;
      const fs = byRevision.get(rev) ?? [];
      return el('li', {}, revLink(rev), r.message !== '' ? ` ${r.message.split('\n')[0]}` : '', fs.length > 0 ? el('span', { class: `sev sev-${worst(fs)}` }, ` ${fs.length} finding${fs.length === 1 ? '' : 's'}`) : '');
    });
    openPanel([el('h2', {}, `${n.revisions.length} revisions in a line`), el('p', { class: 'muted' }, 'Newest first. Each has one parent and one child and nothing to mark.'), el('ol', { class: 'runlist' }, ...items)], nodeId);
  }

  function worst(fs: Finding[]): Severity {
    return fs.some((f) => f.severity === 'error') ? 'error' : fs.some((f) => f.severity === 'warning') ? 'warning' : 'info';
  }

  function openNode(nodeId: string): void {
    const n = data.nodes[nodeId];
    if (n === undefined) return;
    if (n.kind === 'run') runPanel(nodeId);
    else if (n.kind === 'revision') revisionPanel(n.revisions[0]!);
    else openPanel([el('h2', {}, 'Missing revision ', el('code', {}, n.revisions[0]!)), el('p', {}, 'A down_revision names it, but no migration file declares it.')], nodeId);
  }

  // ---------------------------------------------------------------------------------------------
  // Zoom and pan: one transform on the viewport group.
  const graphWidth = Number(svg.dataset.width);
  const graphHeight = Number(svg.dataset.height);
  let scale = 1;
  let tx = 0;
  let ty = 0;
  function apply(): void {
    viewport.setAttribute('transform', `translate(${tx.toFixed(1)} ${ty.toFixed(1)}) scale(${scale.toFixed(4)})`);
  }
  function zoomAt(px: number, py: number, factor: number): void {
    const next = Math.min(4, Math.max(0.02, scale * factor));
    tx = px - ((px - tx) * next) / scale;
    ty = py - ((py - ty) * next) / scale;
    scale = next;
    apply();
  }
  function fit(all: boolean): void {
    const w = pane.clientWidth;
    const h = pane.clientHeight;
    if (graphWidth === 0 || graphHeight === 0) return;
    // The whole graph, or (the first view) the full width from the top: the heads are on top.
    scale = all ? Math.min(w / graphWidth, h / graphHeight, 1.5) : Math.min(w / graphWidth, 1.2);
    tx = (w - graphWidth * scale) / 2;
    ty = all ? (h - graphHeight * scale) / 2 : 48;
    apply();
  }
  function centerOn(nodeId: string): void {
    const g = viewport.querySelector<SVGGElement>(`[data-node="${nodeId}"]`);
    if (!g) return;
    const m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(g.getAttribute('transform') ?? '');
    if (!m) return;
    const box = g.querySelector('rect.box')!;
    const x = Number(m[1]);
    const y = Number(m[2]);
    const w = Number(box.getAttribute('width'));
    const h = Number(box.getAttribute('height'));
    const left = x * scale + tx;
    const top = y * scale + ty;
    if (left >= 8 && top >= 48 && left + w * scale <= pane.clientWidth - 8 && top + h * scale <= pane.clientHeight - 8) return;
    const cx = x + w / 2;
    const cy = y + h / 2;
    tx = pane.clientWidth / 2 - cx * scale;
    ty = pane.clientHeight / 2 - cy * scale;
    apply();
  }
  svg.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const r = svg.getBoundingClientRect();
      zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015)));
    },
    { passive: false },
  );
  let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | null = null;
  let suppressClick = false;
  svg.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, tx, ty, moved: false };
  });
  svg.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!drag.moved) {
      drag.moved = true;
      svg.setPointerCapture(e.pointerId);
      svg.classList.add('dragging');
    }
    tx = drag.tx + dx;
    ty = drag.ty + dy;
    apply();
  });
  const endDrag = () => {
    suppressClick = drag?.moved ?? false;
    drag = null;
    svg.classList.remove('dragging');
  };
  svg.addEventListener('pointerup', endDrag);
  svg.addEventListener('pointercancel', endDrag);
  svg.addEventListener('click', (e) => {
    if (suppressClick) {
      suppressClick = false;
      return;
    }
    const g = (e.target as Element).closest('.node') as SVGGElement | null;
    if (g) openNode(g.dataset.node!);
  });
  svg.addEventListener('keydown', (e) => {
    const g = (e.target as Element).closest('.node') as SVGGElement | null;
    if (g && (e.key === 'Enter' || e.key === ' ')) {
      e.preventDefault();
      openNode(g.dataset.node!);
    }
  });
  const button = (id: string, f: () => void) => document.getElementById(id)?.addEventListener('click', f);
  button('zoom-in', () => zoomAt(pane.clientWidth / 2, pane.clientHeight / 2, 1.25));
  button('zoom-out', () => zoomAt(pane.clientWidth / 2, pane.clientHeight / 2, 0.8));
  button('zoom-fit', () => fit(true));
  button('zoom-reset', () => fit(false));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden) closePanel();
  });

  // ---------------------------------------------------------------------------------------------
  // Links: #rev=<id> opens a revision, #rule-<id> opens the rule's docs.
  function route(): void {
    const hash = location.hash;
    if (hash.startsWith('#rev=')) {
      const rev = decodeURIComponent(hash.slice(5));
      revisionPanel(rev);
    } else if (hash.startsWith('#rule-')) {
      const doc = document.getElementById(hash.slice(1));
      if (doc instanceof HTMLDetailsElement) {
        doc.open = true;
        doc.scrollIntoView({ block: 'start' });
      }
    }
  }
  window.addEventListener('hashchange', route);

  fit(false);
  renderFindingsList();
  route();
  document.documentElement.dataset.ready = String(Math.round(performance.now()));
}
