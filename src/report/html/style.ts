/** The report's stylesheet, inlined into the page. System fonts only: nothing is fetched. */
export const STYLE = `
:root { --bg:#f6f7f9; --fg:#1d2330; --muted:#5b6475; --line:#d5dae3; --card:#fff;
  --error:#c62828; --error-bg:#fde8e8; --warning:#b26a00; --warning-bg:#fff1d6; --info:#1565c0; --info-bg:#e3efff;
  --ok:#2e7d32; --ok-bg:#e6f4e7; --since:#7b1fa2; --accent:#3949ab;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  color-scheme: light; }
* { box-sizing: border-box; }
html, body { margin:0; height:100%; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:var(--fg); background:var(--bg);
  display:grid; grid-template-rows:auto 1fr; grid-template-columns: minmax(300px, 380px) 1fr auto; grid-template-areas: "head head head" "side graph panel"; }
header { grid-area:head; display:flex; gap:16px; align-items:baseline; flex-wrap:wrap; padding:10px 16px; background:#1d2330; color:#fff; }
header h1 { font-size:17px; margin:0; font-weight:600; }
header .meta { color:#c3c9d6; font-size:13px; }
header .status { margin-left:auto; font-weight:600; }
code, pre, .mono { font-family:var(--mono); font-size:12.5px; }
a { color:var(--accent); }
#side { grid-area:side; overflow:auto; padding:12px 14px 40px; border-right:1px solid var(--line); background:var(--card); }
#side h2 { font-size:14px; margin:18px 0 6px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:3px 6px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-weight:600; color:var(--muted); font-size:12px; }
td.mono { white-space:nowrap; }
td.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
.counts { display:flex; gap:8px; flex-wrap:wrap; }
.counts label { display:flex; gap:6px; align-items:center; padding:4px 10px; border-radius:14px; cursor:pointer; font-weight:600; }
.chip-error { background:var(--error-bg); color:var(--error); }
.chip-warning { background:var(--warning-bg); color:var(--warning); }
.chip-info { background:var(--info-bg); color:var(--info); }
.sev { font-weight:600; text-transform:uppercase; font-size:11px; letter-spacing:.03em; }
.sev-error { color:var(--error); } .sev-warning { color:var(--warning); } .sev-info { color:var(--info); }
.status-passed { color:var(--ok); font-weight:600; } .status-failed { color:var(--error); font-weight:600; }
.status-skipped, .status-elsewhere { color:var(--muted); font-weight:600; } .status-info { color:var(--info); font-weight:600; }
#graph-pane { grid-area:graph; position:relative; overflow:hidden; min-height:300px; }
#graph { width:100%; height:100%; display:block; cursor:grab; user-select:none; touch-action:none; }
#graph.dragging { cursor:grabbing; }
.toolbar { position:absolute; top:10px; left:10px; display:flex; gap:6px; z-index:2; align-items:center; }
.toolbar button { font:inherit; padding:3px 10px; border:1px solid var(--line); border-radius:6px; background:var(--card); cursor:pointer; }
.legend { position:absolute; bottom:8px; left:10px; font-size:12px; color:var(--muted); background:rgba(255,255,255,.9); padding:4px 8px; border-radius:6px; display:flex; gap:10px; flex-wrap:wrap; }
.legend .lg-error { background:var(--error-bg); border-color:var(--error); } .legend .lg-warning { background:var(--warning-bg); border-color:var(--warning); } .legend .lg-info { background:var(--info-bg); border-color:var(--info); }
.legend i { display:inline-block; width:10px; height:10px; border-radius:3px; margin-right:4px; vertical-align:-1px; border:1px solid #888; }
.node rect.box { fill:#fff; stroke:#8a93a6; stroke-width:1.2; }
.node { cursor:pointer; }
.node text { font-size:12px; fill:var(--fg); pointer-events:none; }
.node text.id { font-family:var(--mono); font-weight:600; }
.node text.msg { fill:var(--muted); }
.node text.tag { font-size:9.5px; font-weight:700; letter-spacing:.04em; }
.node rect.tag { stroke:none; fill:#5b6475; } .node text.tag { fill:#fff; }
.node rect.t-head { fill:#1d2330; } .node rect.t-merge { fill:#3949ab; } .node rect.t-branch { fill:#00796b; } .node rect.t-since { fill:var(--since); }
.node rect.t-label { fill:#e0e4ec; } .node text.t-label { fill:#1d2330; }
.node.sev-error rect.box { fill:var(--error-bg); stroke:var(--error); }
.node.sev-warning rect.box { fill:var(--warning-bg); stroke:var(--warning); }
.node.sev-info rect.box { fill:var(--info-bg); stroke:var(--info); }
.node.head rect.box, .node.base rect.box { stroke-width:2.4; }
.node.merge rect.box { stroke-dasharray:none; rx:14px; }
.node.run rect.box { stroke-dasharray:5 3; fill:#f0f2f6; }
.node.missing rect.box { stroke-dasharray:3 3; fill:#fff; stroke:var(--error); }
.node.selected rect.halo { fill:none; stroke:var(--since); stroke-width:3; }
.node.current rect.box { stroke:var(--accent); stroke-width:3; }
.node:focus { outline:none; } .node:focus rect.box { stroke:var(--accent); stroke-width:2.5; }
.edge { fill:none; stroke:#9aa3b5; stroke-width:1.4; }
.edge.depends { stroke-dasharray:4 4; }
#panel { grid-area:panel; width:min(560px, 42vw); overflow:auto; background:var(--card); border-left:1px solid var(--line); padding:12px 16px 40px; }
#panel[hidden] { display:none; }
#panel h2 { font-size:16px; margin:4px 0 8px; }
#panel h3 { font-size:13px; margin:16px 0 6px; text-transform:uppercase; letter-spacing:.04em; color:var(--muted); }
#panel .close { float:right; font:inherit; border:1px solid var(--line); background:var(--card); border-radius:6px; cursor:pointer; }
.message { white-space:pre-wrap; margin:0 0 8px; }
dl.props { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; margin:0; }
dl.props dt { color:var(--muted); } dl.props dd { margin:0; }
.badge { display:inline-block; font-size:10.5px; font-weight:700; padding:1px 6px; border-radius:8px; margin-left:4px; background:#e8eaf0; color:#394055; vertical-align:1px; }
.badge.since { background:#f3e5f5; color:var(--since); }
.finding { border-left:3px solid var(--line); padding:4px 8px; margin:6px 0; background:#fafbfc; }
.finding.f-error { border-color:var(--error); } .finding.f-warning { border-color:var(--warning); } .finding.f-info { border-color:var(--info); }
.finding .where { color:var(--muted); font-size:12px; }
.finding .fix { margin-top:2px; } .finding .fix::before { content:"fix: "; font-weight:600; color:var(--muted); }
.finding[hidden] { display:none; }
pre.src, pre.sql { background:#f3f5f8; border:1px solid var(--line); border-radius:6px; padding:6px 8px; overflow:auto; margin:4px 0; }
pre.src .ln { color:#9aa3b5; display:inline-block; min-width:3ch; text-align:right; margin-right:8px; user-select:none; }
pre.src .hit { background:#fff3b0; display:inline-block; min-width:100%; }
pre.sql { max-height:480px; }
.sql .k { color:#0b4ea2; font-weight:600; } .sql .s { color:#0a7a36; } .sql .c { color:#7d8597; font-style:italic; }
.sql .n { color:#a3480a; } .sql .q { color:#6a1b9a; }
.group h4 { margin:12px 0 2px; font-size:13px; }
.runlist li { margin:2px 0; }
.muted { color:var(--muted); }
details.rule-doc { border-top:1px solid var(--line); padding:4px 0; }
details.rule-doc summary { cursor:pointer; font-family:var(--mono); font-weight:600; }
details.rule-doc pre { background:#f3f5f8; padding:6px 8px; border-radius:6px; overflow:auto; }
table.trace td { font-size:12px; } table.trace code { font-size:11.5px; white-space:pre-wrap; word-break:break-word; }
.filter-note { font-size:12px; color:var(--muted); margin:4px 0; }
@media (max-width: 900px) { body { grid-template-columns:1fr; grid-template-areas:"head" "graph" "panel" "side"; grid-template-rows:auto 70vh auto auto; } #panel { width:auto; } }
`;
