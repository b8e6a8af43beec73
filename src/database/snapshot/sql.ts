/**
 * The schema snapshot's catalog query: one statement, one round trip, one json value.
 *
 * Valid on PostgreSQL 12 and newer (checked on 12.22 and 18.4): it names no catalog column added
 * after 12 (prokind is 11, attgenerated and relam are 12). Newer states are read through rows older
 * servers do not have (PG 18's NOT VALID not-null constraints) or through to_jsonb(row) ->> 'col',
 * which is null where the column does not exist (pg_trigger.tgparentid, PG 13).
 *
 * What it leaves out: system schemas (pg_catalog, information_schema, pg_toast*, pg_temp_*), the
 * schema and event triggers alembic-guard itself installs (alembic_guard, fingerprint-sql.ts), every
 * table named alembic_version, objects that belong to an extension (the extension itself is listed
 * with its version) and objects that exist only as an internal part of another one (array and row
 * types, identity sequences, range constructors). Owners and privileges are not read.
 *
 * Deparsed text (format_type, pg_get_expr, pg_get_*def) depends on search_path, so the query sets
 * search_path to `public` for its own duration (set_config(..., true) before the snapshot is built)
 * and puts the caller's value back afterwards: snapshots taken on connections with different
 * settings compare equal, objects in `public` print unqualified and others schema-qualified.
 * int8 values (sequence bounds) come back as text so that no precision is lost in JSON; null
 * fields are left out of the json (json_strip_nulls), which halves its size.
 */
export const SNAPSHOT_SQL = `
-- cfg runs first (the lateral subqueries depend on it): remember search_path, set it to public;
-- r runs last (it depends on the snapshot): put the caller's value back
SELECT s.snapshot
FROM (SELECT pg_catalog.current_setting('search_path') AS old_path,
             pg_catalog.set_config('search_path', 'public', true) AS new_path OFFSET 0) AS cfg
CROSS JOIN LATERAL (
WITH
ns AS (
  SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'alembic_guard')
    AND n.nspname !~ '^pg_(toast|temp_)'
),
-- extension members, and internal parts of other objects (array and row types, identity
-- sequences, range constructors); a partitioned table's internal dependency on its own key
-- columns does not count
hidden AS (
  SELECT DISTINCT d.classid, d.objid FROM pg_catalog.pg_depend d
  WHERE d.deptype = 'e'
     OR (d.deptype = 'i' AND NOT (d.refclassid = d.classid AND d.refobjid = d.objid))
),
rel AS (
  SELECT c.oid, c.relname, c.relkind, ns.nspname
  FROM pg_catalog.pg_class c JOIN ns ON ns.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
    AND c.relname <> 'alembic_version'
    AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND h.objid = c.oid)
),
typ AS (
  SELECT t.oid, t.typname, ns.nspname
  FROM pg_catalog.pg_type t JOIN ns ON ns.oid = t.typnamespace
  WHERE t.typtype IN ('b', 'c', 'd', 'e', 'p', 'r')
    AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND h.objid = t.oid)
),
coll AS NOT MATERIALIZED (
  SELECT co.oid, CASE WHEN cn.nspname = 'pg_catalog' THEN pg_catalog.quote_ident(co.collname)
                      ELSE pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname) END AS name
  FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
)
SELECT pg_catalog.json_strip_nulls(pg_catalog.json_build_object(
  'version', pg_catalog.current_setting('server_version_num')::int,
  'schemas', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object('name', ns.nspname, 'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND d.objoid = ns.oid AND d.objsubid = 0)))
    FROM ns
    WHERE NOT EXISTS (SELECT 1 FROM hidden h WHERE h.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND h.objid = ns.oid)
  ),
  'extensions', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object('name', e.extname, 'version', e.extversion, 'schema', n.nspname))
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
  ),
  'relations', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', r.nspname, 'name', r.relname, 'kind', r.relkind::text,
      'persistence', c.relpersistence::text,
      'partitionKey', CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
      'partitionOf', (
        SELECT pg_catalog.json_build_object('schema', pn.nspname, 'name', pc.relname)
        FROM pg_catalog.pg_inherits i
        JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
        JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE i.inhrelid = c.oid AND c.relispartition),
      'partitionBound', CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END,
      'inherits', (
        SELECT pg_catalog.json_agg(pg_catalog.json_build_object('schema', pn.nspname, 'name', pc.relname) ORDER BY i.inhseqno)
        FROM pg_catalog.pg_inherits i
        JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
        JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE i.inhrelid = c.oid AND NOT c.relispartition),
      'ofType', CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END,
      'accessMethod', am.amname,
      'options', c.reloptions,
      'tablespace', ts.spcname,
      'rowSecurity', c.relrowsecurity,
      'forceRowSecurity', c.relforcerowsecurity,
      'replicaIdentity', c.relreplident::text,
      'definition', CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END,
      'foreignServer', fs.srvname,
      'foreignOptions', ft.ftoptions,
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objoid = c.oid AND d.objsubid = 0)))
    FROM rel r
    JOIN pg_catalog.pg_class c ON c.oid = r.oid
    LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
    LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
    LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
    LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
    WHERE r.relkind IN ('r', 'p', 'f', 'v', 'm')
  ),
  'columns', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', r.nspname, 'table', r.relname, 'name', a.attname, 'position', a.attnum,
      'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
      'inherited', NOT a.attislocal,
      'notNull', a.attnotnull,
      'notNullInvalid', a.attnotnull AND EXISTS (
        SELECT 1 FROM pg_catalog.pg_constraint k
        WHERE k.conrelid = a.attrelid AND k.contype = 'n' AND NOT k.convalidated AND k.conkey = ARRAY[a.attnum]),
      'default', CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END,
      'generated', CASE a.attgenerated WHEN 's' THEN 'stored' WHEN 'v' THEN 'virtual' END,
      'expression', CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END,
      'identity', CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,
      'identitySequence', CASE WHEN a.attidentity <> '' THEN (
        SELECT pg_catalog.json_build_object(
          'type', pg_catalog.format_type(sq.seqtypid, NULL), 'start', sq.seqstart::text,
          'increment', sq.seqincrement::text, 'min', sq.seqmin::text, 'max', sq.seqmax::text,
          'cache', sq.seqcache::text, 'cycle', sq.seqcycle)
        FROM pg_catalog.pg_depend dep JOIN pg_catalog.pg_sequence sq ON sq.seqrelid = dep.objid
        WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
          AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'
        LIMIT 1) END,
      'collation', CASE WHEN a.attcollation <> t.typcollation THEN (SELECT co.name FROM coll co WHERE co.oid = a.attcollation) END,
      'storage', CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END,
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objoid = r.oid AND d.objsubid = a.attnum)))
    FROM rel r
    JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    WHERE r.relkind IN ('r', 'p', 'f')
  ),
  'constraints', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', COALESCE(r.nspname, ty.nspname), 'name', k.conname, 'type', k.contype::text,
      'table', r.relname, 'domain', ty.typname,
      'parent', CASE WHEN k.conparentid <> 0 THEN (
        SELECT pg_catalog.json_build_object('schema', pn.nspname, 'table', pc.relname, 'name', pk.conname)
        FROM pg_catalog.pg_constraint pk
        JOIN pg_catalog.pg_class pc ON pc.oid = pk.conrelid
        JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE pk.oid = k.conparentid) END,
      'definition', pg_catalog.pg_get_constraintdef(k.oid),
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND d.objoid = k.oid AND d.objsubid = 0)))
    FROM pg_catalog.pg_constraint k
    LEFT JOIN rel r ON r.oid = k.conrelid AND k.conrelid <> 0
    LEFT JOIN typ ty ON ty.oid = k.contypid AND k.contypid <> 0
    WHERE k.contype NOT IN ('n', 't') AND (r.oid IS NOT NULL OR ty.oid IS NOT NULL)
  ),
  'indexes', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', r.nspname, 'name', ic.relname, 'table', r.relname,
      'quotedName', pg_catalog.quote_ident(ic.relname),
      'parent', (
        SELECT pg_catalog.json_build_object('schema', pn.nspname, 'name', pc.relname)
        FROM pg_catalog.pg_inherits i
        JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
        JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE i.inhrelid = x.indexrelid
        LIMIT 1),
      'definition', pg_catalog.pg_get_indexdef(x.indexrelid),
      'valid', x.indisvalid, 'ready', x.indisready, 'clustered', x.indisclustered,
      'replicaIdentity', x.indisreplident,
      'tablespace', ts.spcname,
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objoid = ic.oid AND d.objsubid = 0)))
    FROM pg_catalog.pg_index x
    JOIN rel r ON r.oid = x.indrelid
    JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
    LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = ic.reltablespace
    WHERE NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_constraint k
      WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))
  ),
  'sequences', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', r.nspname, 'name', r.relname,
      'type', pg_catalog.format_type(sq.seqtypid, NULL), 'start', sq.seqstart::text,
      'increment', sq.seqincrement::text, 'min', sq.seqmin::text, 'max', sq.seqmax::text,
      'cache', sq.seqcache::text, 'cycle', sq.seqcycle,
      'persistence', c.relpersistence::text,
      'ownedBy', (
        SELECT pg_catalog.json_build_object('schema', on_.nspname, 'table', oc.relname, 'column', oa.attname)
        FROM pg_catalog.pg_depend dep
        JOIN pg_catalog.pg_class oc ON oc.oid = dep.refobjid
        JOIN pg_catalog.pg_namespace on_ ON on_.oid = oc.relnamespace
        JOIN pg_catalog.pg_attribute oa ON oa.attrelid = dep.refobjid AND oa.attnum = dep.refobjsubid
        WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.objid = r.oid
          AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND dep.deptype = 'a' AND dep.refobjsubid > 0
        LIMIT 1),
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objoid = r.oid AND d.objsubid = 0)))
    FROM rel r
    JOIN pg_catalog.pg_class c ON c.oid = r.oid
    JOIN pg_catalog.pg_sequence sq ON sq.seqrelid = r.oid
    WHERE r.relkind = 'S'
  ),
  'types', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', ty.nspname, 'name', ty.typname,
      'kind', CASE WHEN t.typtype = 'p' THEN 's' ELSE t.typtype::text END,
      'labels', CASE WHEN t.typtype = 'e' THEN (
        SELECT pg_catalog.json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) END,
      'baseType', CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END,
      'notNull', CASE WHEN t.typtype = 'd' THEN t.typnotnull END,
      'default', CASE WHEN t.typtype = 'd' THEN pg_catalog.pg_get_expr(t.typdefaultbin, 0) END,
      'collation', CASE WHEN t.typtype = 'd' AND t.typcollation <> (SELECT bt.typcollation FROM pg_catalog.pg_type bt WHERE bt.oid = t.typbasetype)
                        THEN (SELECT co.name FROM coll co WHERE co.oid = t.typcollation) END,
      'attributes', CASE WHEN t.typtype = 'c' THEN (
        SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
          'name', a.attname, 'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
          'collation', CASE WHEN a.attcollation <> at.typcollation THEN (SELECT co.name FROM coll co WHERE co.oid = a.attcollation) END)
          ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
        WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END,
      'range', CASE WHEN t.typtype = 'r' THEN (
        SELECT pg_catalog.json_build_object(
          'subtype', pg_catalog.format_type(rg.rngsubtype, NULL),
          'collation', (SELECT co.name FROM coll co WHERE co.oid = rg.rngcollation),
          'opclass', (SELECT oc.opcname FROM pg_catalog.pg_opclass oc WHERE oc.oid = rg.rngsubopc),
          'canonical', CASE WHEN rg.rngcanonical <> 0 THEN rg.rngcanonical::pg_catalog.regproc::text END,
          'subtypeDiff', CASE WHEN rg.rngsubdiff <> 0 THEN rg.rngsubdiff::pg_catalog.regproc::text END)
        FROM pg_catalog.pg_range rg WHERE rg.rngtypid = t.oid) END,
      'input', CASE WHEN t.typtype = 'b' THEN t.typinput::pg_catalog.regproc::text END,
      'output', CASE WHEN t.typtype = 'b' THEN t.typoutput::pg_catalog.regproc::text END,
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objoid = t.oid AND d.objsubid = 0)))
    FROM typ ty
    JOIN pg_catalog.pg_type t ON t.oid = ty.oid
  ),
  'functions', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', ns.nspname, 'name', p.proname,
      'argumentTypes', pg_catalog.oidvectortypes(p.proargtypes),
      'identityArguments', pg_catalog.pg_get_function_identity_arguments(p.oid),
      'kind', p.prokind::text,
      'arguments', pg_catalog.pg_get_function_arguments(p.oid),
      'result', pg_catalog.pg_get_function_result(p.oid),
      'language', l.lanname,
      'volatility', p.provolatile::text, 'strict', p.proisstrict, 'securityDefiner', p.prosecdef,
      'leakproof', p.proleakproof, 'parallel', p.proparallel::text,
      'cost', p.procost, 'rows', p.prorows, 'config', p.proconfig,
      'body', CASE WHEN p.prokind = 'a' THEN NULL
                   WHEN p.prosrc IS NULL OR p.prosrc = '' THEN pg_catalog.pg_get_functiondef(p.oid)
                   ELSE p.prosrc END,
      'aggregate', CASE WHEN p.prokind = 'a' THEN (
        SELECT pg_catalog.json_build_object(
          'kind', ag.aggkind::text,
          'transition', ag.aggtransfn::pg_catalog.regproc::text,
          'stateType', pg_catalog.format_type(ag.aggtranstype, NULL),
          'final', CASE WHEN ag.aggfinalfn <> 0 THEN ag.aggfinalfn::pg_catalog.regproc::text END,
          'combine', CASE WHEN ag.aggcombinefn <> 0 THEN ag.aggcombinefn::pg_catalog.regproc::text END,
          'initial', ag.agginitval,
          'sortOperator', CASE WHEN ag.aggsortop <> 0 THEN ag.aggsortop::pg_catalog.regoperator::text END)
        FROM pg_catalog.pg_aggregate ag WHERE ag.aggfnoid = p.oid) END,
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objoid = p.oid AND d.objsubid = 0)))
    FROM pg_catalog.pg_proc p
    JOIN ns ON ns.oid = p.pronamespace
    JOIN pg_catalog.pg_language l ON l.oid = p.prolang
    WHERE NOT EXISTS (SELECT 1 FROM hidden h WHERE h.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND h.objid = p.oid)
  ),
  'triggers', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', r.nspname, 'table', r.relname, 'name', tg.tgname,
      'definition', pg_catalog.pg_get_triggerdef(tg.oid),
      'enabled', tg.tgenabled::text,
      -- tgparentid (PG 13+) read through to_jsonb: on 12 partition clones are internal anyway
      'parent', (
        SELECT pg_catalog.json_build_object('schema', pn.nspname, 'table', pc.relname, 'name', pt.tgname)
        FROM pg_catalog.pg_trigger pt
        JOIN pg_catalog.pg_class pc ON pc.oid = pt.tgrelid
        JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE pt.oid = (pg_catalog.to_jsonb(tg) ->> 'tgparentid')::pg_catalog.oid),
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND d.objoid = tg.oid AND d.objsubid = 0)))
    FROM pg_catalog.pg_trigger tg
    JOIN rel r ON r.oid = tg.tgrelid
    WHERE NOT tg.tgisinternal
  ),
  'policies', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', r.nspname, 'table', r.relname, 'name', pol.polname,
      'command', pol.polcmd::text, 'permissive', pol.polpermissive,
      'roles', (
        SELECT pg_catalog.json_agg(CASE WHEN u.rid = 0 THEN 'public' ELSE COALESCE(ro.rolname, u.rid::text) END
                                   ORDER BY CASE WHEN u.rid = 0 THEN 'public' ELSE COALESCE(ro.rolname, u.rid::text) END)
        FROM pg_catalog.unnest(pol.polroles) AS u(rid)
        LEFT JOIN pg_catalog.pg_roles ro ON ro.oid = u.rid),
      'using', pg_catalog.pg_get_expr(pol.polqual, pol.polrelid),
      'withCheck', pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND d.objoid = pol.oid AND d.objsubid = 0)))
    FROM pg_catalog.pg_policy pol
    JOIN rel r ON r.oid = pol.polrelid
  ),
  'rules', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', r.nspname, 'table', r.relname, 'name', rw.rulename,
      'definition', pg_catalog.pg_get_ruledef(rw.oid),
      'enabled', rw.ev_enabled::text,
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objoid = rw.oid AND d.objsubid = 0)))
    FROM pg_catalog.pg_rewrite rw
    JOIN rel r ON r.oid = rw.ev_class
    WHERE rw.rulename <> '_RETURN'
  ),
  'statistics', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'schema', sn.nspname, 'name', st.stxname, 'tableSchema', r.nspname, 'table', r.relname,
      'definition', pg_catalog.pg_get_statisticsobjdef(st.oid),
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass AND d.objoid = st.oid AND d.objsubid = 0)))
    FROM pg_catalog.pg_statistic_ext st
    JOIN rel r ON r.oid = st.stxrelid
    JOIN pg_catalog.pg_namespace sn ON sn.oid = st.stxnamespace
  ),
  'eventTriggers', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'name', et.evtname, 'event', et.evtevent,
      'function', et.evtfoid::pg_catalog.regproc::text,
      'tags', et.evttags, 'enabled', et.evtenabled::text,
      'comment', (SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass AND d.objoid = et.oid AND d.objsubid = 0)))
    FROM pg_catalog.pg_event_trigger et
    WHERE et.evtname !~ '^alembic_guard_'
      AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass AND h.objid = et.oid)
  ),
  'others', (
    SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
      'type', o.type, 'schema', o.schema, 'identity', o.identity,
      'parent', CASE WHEN u.parent_classid IS NOT NULL THEN (
        SELECT pg_catalog.json_build_object('type', po.type, 'identity', po.identity)
        FROM pg_catalog.pg_identify_object(u.parent_classid, u.parent_oid, 0) AS po) END))
    FROM (
      SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass AS classid, x.oid,
             NULL::pg_catalog.regclass AS parent_classid, NULL::pg_catalog.oid AS parent_oid
        FROM pg_catalog.pg_collation x
      UNION ALL SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_operator x
      UNION ALL SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_opfamily x
      UNION ALL SELECT 'pg_catalog.pg_opclass'::pg_catalog.regclass, x.oid, 'pg_catalog.pg_opfamily'::pg_catalog.regclass, x.opcfamily
        FROM pg_catalog.pg_opclass x
      UNION ALL SELECT 'pg_catalog.pg_cast'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_cast x
      UNION ALL SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_conversion x
      UNION ALL SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_ts_config x
      UNION ALL SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_ts_dict x
      UNION ALL SELECT 'pg_catalog.pg_ts_parser'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_ts_parser x
      UNION ALL SELECT 'pg_catalog.pg_ts_template'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_ts_template x
      UNION ALL SELECT 'pg_catalog.pg_language'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_language x
      UNION ALL SELECT 'pg_catalog.pg_am'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_am x
      UNION ALL SELECT 'pg_catalog.pg_transform'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_transform x
      UNION ALL SELECT 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass, x.oid, NULL, NULL
        FROM pg_catalog.pg_foreign_data_wrapper x
      UNION ALL SELECT 'pg_catalog.pg_foreign_server'::pg_catalog.regclass, x.oid,
                       'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass, x.srvfdw
        FROM pg_catalog.pg_foreign_server x
      UNION ALL SELECT 'pg_catalog.pg_publication'::pg_catalog.regclass, x.oid, NULL, NULL FROM pg_catalog.pg_publication x
      UNION ALL SELECT 'pg_catalog.pg_publication_rel'::pg_catalog.regclass, x.oid,
                       'pg_catalog.pg_publication'::pg_catalog.regclass, x.prpubid
        FROM pg_catalog.pg_publication_rel x
    ) AS u
    CROSS JOIN LATERAL pg_catalog.pg_identify_object(u.classid, u.oid, 0) AS o
    WHERE u.oid >= 16384
      AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.classid = u.classid AND h.objid = u.oid)
      AND (o.schema IS NULL OR o.schema NOT IN ('pg_catalog', 'information_schema', 'alembic_guard'))
  )
)) AS snapshot
WHERE cfg.new_path IS NOT NULL
OFFSET 0
) AS s
CROSS JOIN LATERAL (
  SELECT pg_catalog.set_config('search_path', cfg.old_path, true) AS restored WHERE s.snapshot IS NOT NULL
) AS r
`;
