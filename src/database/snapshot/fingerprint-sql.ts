/**
 * The schema fingerprint: a cheap, exact stand-in for comparing two schema snapshots, computed
 * inside PostgreSQL and kept up to date incrementally.
 *
 * Installed into a scratch database as the schema `alembic_guard` (left out of every snapshot and
 * dropped before autogenerate compares anything). It keeps one row per top-level object (a
 * relation with its columns, constraints, indexes, triggers, rules, policies and statistics; a
 * type; a function; a schema; an extension; an event trigger; and one row for the rarer kinds
 * together) holding the object's name and an md5 of the same properties the snapshot reads, by
 * name, never by OID or column number, so that an object dropped and created again hashes the
 * same. `alembic_guard.sync()` returns the md5 of all rows: equal digests mean equal snapshots
 * (up to the diff's own tolerances, see diff.ts, where the digest is stricter: a server-generated
 * name with another counter, a renamed-but-equal index).
 *
 * Incremental: event triggers (ddl_command_end, sql_drop; superuser only) log the OIDs each DDL
 * command touched into alembic_guard.log, and sync() rehashes only those objects, the objects
 * they belong to, and (transitively, while hashes change) the objects that depend on them through
 * pg_depend: a renamed table changes the foreign keys and views that name it, a renamed schema
 * everything in it. Without event triggers (a role that is not superuser) every sync() rehashes
 * everything. The log and the hashes are ordinary tables, so a migration that rolls back rolls
 * them back too, consistently with the catalog.
 *
 * Also here, for the lock trace: alembic_guard.mark_revision() remembers the relfilenode of every
 * relation before a revision runs; alembic_guard.after_statement() lists this backend's relation
 * locks and the remembered relations whose relfilenode changed (a rewrite) since.
 *
 * Valid on PostgreSQL 12 and newer, like SNAPSHOT_SQL.
 */

import { OTHER_OBJECTS_SQL } from './sql.js';

/** The schema that holds it all: never shown in a snapshot. */
export const FINGERPRINT_SCHEMA = 'alembic_guard';

/**
 * Statements that install it (run in order, in one transaction, by the database owner). The
 * event triggers are separate (FINGERPRINT_TRIGGERS_SQL): they need a superuser.
 */
export const FINGERPRINT_INSTALL_SQL = String.raw`
CREATE SCHEMA alembic_guard;
CREATE TABLE alembic_guard.settings (ignore_tables text[] NOT NULL DEFAULT '{}', incremental boolean NOT NULL DEFAULT false, digest bigint NOT NULL DEFAULT 0);
INSERT INTO alembic_guard.settings DEFAULT VALUES;
CREATE TABLE alembic_guard.log (classid oid NOT NULL, objid oid NOT NULL);
CREATE TABLE alembic_guard.objects (classid oid NOT NULL, objid oid NOT NULL, key text NOT NULL, hash text NOT NULL, names text NOT NULL, h bigint NOT NULL, PRIMARY KEY (classid, objid));
-- the digest is the XOR of every object's contribution: kept up to date one object at a time
CREATE AGGREGATE alembic_guard.xor_agg(bigint) (SFUNC = pg_catalog.int8xor, STYPE = bigint, INITCOND = '0');
CREATE FUNCTION alembic_guard.contribution(key text, hash text) RETURNS bigint LANGUAGE sql IMMUTABLE AS $f$
  SELECT ('x' || pg_catalog.substr(pg_catalog.md5(key || ' ' || hash), 1, 16))::bit(64)::bigint
$f$;
CREATE TABLE alembic_guard.members (classid oid NOT NULL, objid oid NOT NULL, top_classid oid NOT NULL, top_objid oid NOT NULL, PRIMARY KEY (classid, objid));
CREATE TABLE alembic_guard.relfilenodes (oid oid PRIMARY KEY, relfilenode oid NOT NULL);
CREATE TABLE alembic_guard.seeded (oid oid PRIMARY KEY, status text NOT NULL, rows int NOT NULL);

CREATE FUNCTION alembic_guard.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO alembic_guard.log SELECT c.classid, c.objid FROM pg_catalog.pg_event_trigger_ddl_commands() c WHERE c.objid <> 0;
EXCEPTION WHEN undefined_table OR insufficient_privilege THEN NULL;
END $f$;

CREATE FUNCTION alembic_guard.on_drop() RETURNS event_trigger LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO alembic_guard.log SELECT d.classid, d.objid FROM pg_catalog.pg_event_trigger_dropped_objects() d WHERE d.objid <> 0;
EXCEPTION WHEN undefined_table OR insufficient_privilege THEN NULL;
END $f$;

-- extension members, and internal parts of other objects, as the snapshot hides them
CREATE FUNCTION alembic_guard.hidden(cls oid, obj oid) RETURNS boolean LANGUAGE sql STABLE AS $f$
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                 WHERE d.classid = cls AND d.objid = obj
                   AND (d.deptype = 'e' OR (d.deptype = 'i' AND NOT (d.refclassid = d.classid AND d.refobjid = d.objid))))
$f$;

-- A schema of the user's by its name. An expression with no query in it, so the planner inlines it
-- (a SQL function that runs a query is called per row): queries that join pg_namespace use this.
CREATE FUNCTION alembic_guard.user_schema(nsp name) RETURNS boolean LANGUAGE sql IMMUTABLE AS $f$
  SELECT nsp NOT IN ('pg_catalog', 'information_schema', 'alembic_guard') AND nsp !~ '^pg_(toast|temp_)'
$f$;

CREATE FUNCTION alembic_guard.user_namespace(nsp oid) RETURNS boolean LANGUAGE sql STABLE AS $f$
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.oid = nsp AND alembic_guard.user_schema(n.nspname))
$f$;

CREATE FUNCTION alembic_guard.comment_of(cls oid, obj oid, sub int) RETURNS text LANGUAGE sql STABLE AS $f$
  SELECT d.description FROM pg_catalog.pg_description d WHERE d.classoid = cls AND d.objoid = obj AND d.objsubid = sub
$f$;

-- A name the server generated, without the counter it adds when the name is taken
-- (users_email_check1 → users_email_check), as diff.ts compares them.
CREATE FUNCTION alembic_guard.generated_base(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $f$
  SELECT pg_catalog.regexp_replace(name, '^(.+_(pkey|key|fkey|check|excl|idx|seq|not_null|stat))[0-9]+$', '\1')
$f$;

-- An index definition without the index's own name (diff.ts pairs indexes by it).
CREATE FUNCTION alembic_guard.anonymous_indexdef(idx oid, name text) RETURNS text LANGUAGE sql STABLE AS $f$
  SELECT pg_catalog.replace(pg_catalog.pg_get_indexdef(idx), ' INDEX ' || pg_catalog.quote_ident(name) || ' ON ', ' INDEX ON ')
$f$;

-- The catalogs whose objects the snapshot lists together under "others".
CREATE FUNCTION alembic_guard.is_other(cls oid) RETURNS boolean LANGUAGE sql IMMUTABLE AS $f$
  SELECT cls IN ('pg_catalog.pg_collation'::pg_catalog.regclass, 'pg_catalog.pg_operator'::pg_catalog.regclass,
                 'pg_catalog.pg_opfamily'::pg_catalog.regclass, 'pg_catalog.pg_opclass'::pg_catalog.regclass,
                 'pg_catalog.pg_cast'::pg_catalog.regclass, 'pg_catalog.pg_conversion'::pg_catalog.regclass,
                 'pg_catalog.pg_ts_config'::pg_catalog.regclass, 'pg_catalog.pg_ts_dict'::pg_catalog.regclass,
                 'pg_catalog.pg_ts_parser'::pg_catalog.regclass, 'pg_catalog.pg_ts_template'::pg_catalog.regclass,
                 'pg_catalog.pg_language'::pg_catalog.regclass, 'pg_catalog.pg_am'::pg_catalog.regclass,
                 'pg_catalog.pg_transform'::pg_catalog.regclass, 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass,
                 'pg_catalog.pg_foreign_server'::pg_catalog.regclass, 'pg_catalog.pg_publication'::pg_catalog.regclass,
                 'pg_catalog.pg_publication_rel'::pg_catalog.regclass)
$f$;

-- The top-level objects catalog rows belong to, from the catalogs (for objects that exist now):
-- one index lookup per row (a set-based join plans worse than this for the few rows a step logs).
CREATE FUNCTION alembic_guard.tops(cls oid[], obj oid[]) RETURNS TABLE (top_classid oid, top_objid oid) LANGUAGE plpgsql STABLE AS $f$
DECLARE
  rc constant oid := 'pg_catalog.pg_class'::pg_catalog.regclass;
  ty constant oid := 'pg_catalog.pg_type'::pg_catalog.regclass;
  c oid;
  o oid;
  kind "char";
  rel oid;
BEGIN
  FOR i IN 1 .. COALESCE(pg_catalog.array_length(cls, 1), 0) LOOP
    c := cls[i];
    o := obj[i];
    top_classid := NULL;
    top_objid := NULL;
    IF c = rc THEN
      SELECT r.relkind INTO kind FROM pg_catalog.pg_class r WHERE r.oid = o;
      IF kind IN ('i', 'I') THEN
        top_classid := rc; SELECT x.indrelid INTO top_objid FROM pg_catalog.pg_index x WHERE x.indexrelid = o;
      ELSIF kind IN ('r', 'p', 'f', 'v', 'm', 'S') THEN
        top_classid := rc; top_objid := o;
      ELSIF kind = 'c' THEN
        top_classid := ty; SELECT t.oid INTO top_objid FROM pg_catalog.pg_type t WHERE t.typrelid = o;
      END IF;
    ELSIF c = 'pg_catalog.pg_constraint'::pg_catalog.regclass THEN
      SELECT CASE WHEN k.conrelid <> 0 THEN rc ELSE ty END, CASE WHEN k.conrelid <> 0 THEN k.conrelid ELSE k.contypid END
        INTO top_classid, top_objid FROM pg_catalog.pg_constraint k WHERE k.oid = o;
    ELSIF c = 'pg_catalog.pg_attrdef'::pg_catalog.regclass THEN
      top_classid := rc; SELECT a.adrelid INTO top_objid FROM pg_catalog.pg_attrdef a WHERE a.oid = o;
    ELSIF c = 'pg_catalog.pg_trigger'::pg_catalog.regclass THEN
      top_classid := rc; SELECT t.tgrelid INTO top_objid FROM pg_catalog.pg_trigger t WHERE t.oid = o;
    ELSIF c = 'pg_catalog.pg_rewrite'::pg_catalog.regclass THEN
      top_classid := rc; SELECT r.ev_class INTO top_objid FROM pg_catalog.pg_rewrite r WHERE r.oid = o;
    ELSIF c = 'pg_catalog.pg_policy'::pg_catalog.regclass THEN
      top_classid := rc; SELECT p.polrelid INTO top_objid FROM pg_catalog.pg_policy p WHERE p.oid = o;
    ELSIF c = 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass THEN
      top_classid := rc; SELECT s.stxrelid INTO top_objid FROM pg_catalog.pg_statistic_ext s WHERE s.oid = o;
    ELSIF c = ty THEN
      SELECT t.typelem, t.typcategory INTO rel, kind FROM pg_catalog.pg_type t WHERE t.oid = o;
      -- an array type belongs to its element type
      top_classid := ty; top_objid := CASE WHEN kind = 'A' AND rel <> 0 THEN rel ELSE o END;
    ELSIF c IN ('pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_namespace'::pg_catalog.regclass,
                'pg_catalog.pg_extension'::pg_catalog.regclass, 'pg_catalog.pg_event_trigger'::pg_catalog.regclass) THEN
      top_classid := c; top_objid := o;
    ELSIF alembic_guard.is_other(c) THEN
      top_classid := 0; top_objid := 0;
    END IF;
    IF top_classid IS NOT NULL AND top_objid IS NOT NULL THEN RETURN NEXT; END IF;
  END LOOP;
END $f$;

-- One relation: its key and the hash of everything the snapshot reads about it and its parts.
CREATE FUNCTION alembic_guard.relation_row(rel oid, OUT key text, OUT hash text) LANGUAGE plpgsql STABLE AS $f$
DECLARE
  rc constant oid := 'pg_catalog.pg_class'::pg_catalog.regclass;
BEGIN
  SELECT pg_catalog.format('%I.%I', n.nspname, c.relname),
    pg_catalog.md5(pg_catalog.json_build_array(
      c.relkind, c.relpersistence,
      CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
      CASE WHEN c.relispartition THEN (
        SELECT pg_catalog.format('%I.%I', pn.nspname, pc.relname) FROM pg_catalog.pg_inherits i
        JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
        WHERE i.inhrelid = c.oid) END,
      CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END,
      (SELECT pg_catalog.array_agg(pg_catalog.format('%I.%I', pn.nspname, pc.relname) ORDER BY i.inhseqno)
         FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
         JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND NOT c.relispartition),
      CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END,
      CASE WHEN c.relam <> 0 THEN (SELECT am.amname FROM pg_catalog.pg_am am WHERE am.oid = c.relam) END,
      CASE WHEN c.reloptions IS NOT NULL THEN (SELECT pg_catalog.array_agg(o ORDER BY o) FROM pg_catalog.unnest(c.reloptions) AS o) END,
      CASE WHEN c.reltablespace <> 0 THEN (SELECT ts.spcname FROM pg_catalog.pg_tablespace ts WHERE ts.oid = c.reltablespace) END,
      c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
      CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END,
      CASE WHEN c.relkind = 'f' THEN (SELECT pg_catalog.json_build_array(fs.srvname, ft.ftoptions) FROM pg_catalog.pg_foreign_table ft
         JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver WHERE ft.ftrelid = c.oid) END,
      alembic_guard.comment_of(rc, c.oid, 0),
      -- a sequence
      CASE WHEN c.relkind = 'S' THEN (SELECT pg_catalog.json_build_array(pg_catalog.format_type(sq.seqtypid, NULL), sq.seqstart::text, sq.seqincrement::text,
                sq.seqmin::text, sq.seqmax::text, sq.seqcache::text, sq.seqcycle,
                (SELECT pg_catalog.format('%I.%I.%I', on_.nspname, oc.relname, oa.attname)
                   FROM pg_catalog.pg_depend dep
                   JOIN pg_catalog.pg_class oc ON oc.oid = dep.refobjid
                   JOIN pg_catalog.pg_namespace on_ ON on_.oid = oc.relnamespace
                   JOIN pg_catalog.pg_attribute oa ON oa.attrelid = dep.refobjid AND oa.attnum = dep.refobjsubid
                   WHERE dep.classid = rc AND dep.objid = c.oid AND dep.refclassid = rc AND dep.deptype = 'a' AND dep.refobjsubid > 0
                   LIMIT 1))
         FROM pg_catalog.pg_sequence sq WHERE sq.seqrelid = c.oid) END,
      -- columns, by name (positions are never compared)
      (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(
          a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attislocal, a.attnotnull,
          a.attnotnull AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                                   WHERE k.conrelid = a.attrelid AND k.contype = 'n' AND NOT k.convalidated AND k.conkey = ARRAY[a.attnum]),
          (SELECT pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) FROM pg_catalog.pg_attrdef ad WHERE ad.adrelid = a.attrelid AND ad.adnum = a.attnum),
          a.attgenerated, a.attidentity,
          CASE WHEN a.attidentity <> '' THEN (
            SELECT pg_catalog.json_build_array(pg_catalog.format_type(sq.seqtypid, NULL), sq.seqstart::text, sq.seqincrement::text,
                     sq.seqmin::text, sq.seqmax::text, sq.seqcache::text, sq.seqcycle)
            FROM pg_catalog.pg_depend dep JOIN pg_catalog.pg_sequence sq ON sq.seqrelid = dep.objid
            WHERE dep.classid = rc AND dep.refclassid = rc AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'
            LIMIT 1) END,
          CASE WHEN a.attcollation <> t.typcollation THEN (
            SELECT pg_catalog.format('%I.%I', cn.nspname, co.collname) FROM pg_catalog.pg_collation co
            JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END,
          CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage END,
          alembic_guard.comment_of(rc, a.attrelid, a.attnum)) ORDER BY a.attname)
        FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f')),
      (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(
          alembic_guard.generated_base(k.conname), k.contype, pg_catalog.pg_get_constraintdef(k.oid),
          (SELECT pg_catalog.format('%I.%I.%I', pn.nspname, pc.relname, pk.conname) FROM pg_catalog.pg_constraint pk
             JOIN pg_catalog.pg_class pc ON pc.oid = pk.conrelid JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE pk.oid = k.conparentid AND k.conparentid <> 0),
          alembic_guard.comment_of('pg_catalog.pg_constraint'::pg_catalog.regclass, k.oid, 0))
          ORDER BY alembic_guard.generated_base(k.conname), pg_catalog.pg_get_constraintdef(k.oid))
        FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid AND k.contype NOT IN ('n', 't')),
      (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(
          alembic_guard.generated_base(ic.relname), alembic_guard.anonymous_indexdef(x.indexrelid, ic.relname), x.indisvalid, x.indisready, x.indisclustered, x.indisreplident,
          (SELECT ts.spcname FROM pg_catalog.pg_tablespace ts WHERE ts.oid = ic.reltablespace),
          (SELECT pg_catalog.format('%I.%I', pn.nspname, pc.relname) FROM pg_catalog.pg_inherits i
             JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE i.inhrelid = x.indexrelid LIMIT 1),
          alembic_guard.comment_of(rc, ic.oid, 0))
          ORDER BY alembic_guard.generated_base(ic.relname), alembic_guard.anonymous_indexdef(x.indexrelid, ic.relname))
        FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
        WHERE x.indrelid = c.oid
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                          WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))),
      CASE WHEN c.relhastriggers THEN (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(
          tg.tgname, pg_catalog.pg_get_triggerdef(tg.oid), tg.tgenabled,
          (SELECT pg_catalog.format('%I.%I.%I', pn.nspname, pc.relname, pt.tgname) FROM pg_catalog.pg_trigger pt
             JOIN pg_catalog.pg_class pc ON pc.oid = pt.tgrelid JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
             WHERE pt.oid = (pg_catalog.to_jsonb(tg) ->> 'tgparentid')::pg_catalog.oid),
          alembic_guard.comment_of('pg_catalog.pg_trigger'::pg_catalog.regclass, tg.oid, 0)) ORDER BY tg.tgname)
        FROM pg_catalog.pg_trigger tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal) END,
      (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(
          pol.polname, pol.polcmd, pol.polpermissive,
          (SELECT pg_catalog.array_agg(CASE WHEN u.rid = 0 THEN 'public' ELSE COALESCE(ro.rolname, u.rid::text) END
                                       ORDER BY CASE WHEN u.rid = 0 THEN 'public' ELSE COALESCE(ro.rolname, u.rid::text) END)
             FROM pg_catalog.unnest(pol.polroles) AS u(rid) LEFT JOIN pg_catalog.pg_roles ro ON ro.oid = u.rid),
          pg_catalog.pg_get_expr(pol.polqual, pol.polrelid), pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid),
          alembic_guard.comment_of('pg_catalog.pg_policy'::pg_catalog.regclass, pol.oid, 0)) ORDER BY pol.polname)
        FROM pg_catalog.pg_policy pol WHERE pol.polrelid = c.oid),
      CASE WHEN c.relhasrules THEN (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(
          rw.rulename, pg_catalog.pg_get_ruledef(rw.oid), rw.ev_enabled,
          alembic_guard.comment_of('pg_catalog.pg_rewrite'::pg_catalog.regclass, rw.oid, 0)) ORDER BY rw.rulename)
        FROM pg_catalog.pg_rewrite rw WHERE rw.ev_class = c.oid AND rw.rulename <> '_RETURN') END,
      (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(
          sn.nspname, st.stxname, pg_catalog.pg_get_statisticsobjdef(st.oid),
          alembic_guard.comment_of('pg_catalog.pg_statistic_ext'::pg_catalog.regclass, st.oid, 0)) ORDER BY sn.nspname, st.stxname)
        FROM pg_catalog.pg_statistic_ext st JOIN pg_catalog.pg_namespace sn ON sn.oid = st.stxnamespace WHERE st.stxrelid = c.oid)
    )::text)
  INTO key, hash
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.oid = rel AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
    AND alembic_guard.user_schema(n.nspname)
    AND NOT alembic_guard.hidden(rc, c.oid)
    AND c.relname <> 'alembic_version'
    AND NOT (c.relname = ANY (SELECT pg_catalog.unnest(s.ignore_tables) FROM alembic_guard.settings s)
             OR pg_catalog.format('%s.%s', n.nspname, c.relname) = ANY (SELECT pg_catalog.unnest(s.ignore_tables) FROM alembic_guard.settings s));
  IF key IS NOT NULL THEN
    -- a serial column's sequence under a server-numbered name is the same sequence (as diff.ts pairs them)
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_class sc WHERE sc.oid = rel AND sc.relkind = 'S')
       AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend dep WHERE dep.classid = rc AND dep.objid = rel AND dep.refclassid = rc AND dep.deptype = 'a' AND dep.refobjsubid > 0) THEN
      key := alembic_guard.generated_base(key);
    END IF;
    key := 'relation ' || key;
  END IF;
END $f$;

CREATE FUNCTION alembic_guard.type_row(typ oid, OUT key text, OUT hash text) LANGUAGE plpgsql STABLE AS $f$
BEGIN
  SELECT 'type ' || pg_catalog.format('%I.%I', n.nspname, t.typname),
    pg_catalog.md5(pg_catalog.json_build_array(
      CASE WHEN t.typtype = 'p' THEN 's' ELSE t.typtype END,
      CASE WHEN t.typtype = 'e' THEN (SELECT pg_catalog.array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) END,
      CASE WHEN t.typtype = 'd' THEN pg_catalog.json_build_array(
        pg_catalog.format_type(t.typbasetype, t.typtypmod), t.typnotnull, pg_catalog.pg_get_expr(t.typdefaultbin, 0),
        CASE WHEN t.typcollation <> (SELECT bt.typcollation FROM pg_catalog.pg_type bt WHERE bt.oid = t.typbasetype) THEN t.typcollation::pg_catalog.regcollation::text END,
        (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(k.conname, k.contype, pg_catalog.pg_get_constraintdef(k.oid),
                  alembic_guard.comment_of('pg_catalog.pg_constraint'::pg_catalog.regclass, k.oid, 0)) ORDER BY k.conname)
           FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid AND k.contype NOT IN ('n', 't'))) END,
      CASE WHEN t.typtype = 'c' THEN (
        SELECT pg_catalog.json_agg(pg_catalog.json_build_array(a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                 CASE WHEN a.attcollation <> at.typcollation THEN a.attcollation::pg_catalog.regcollation::text END) ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
        WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) END,
      CASE WHEN t.typtype = 'r' THEN (
        SELECT pg_catalog.json_build_array(pg_catalog.format_type(rg.rngsubtype, NULL), rg.rngcollation::pg_catalog.regcollation::text,
                 (SELECT oc.opcname FROM pg_catalog.pg_opclass oc WHERE oc.oid = rg.rngsubopc),
                 CASE WHEN rg.rngcanonical <> 0 THEN rg.rngcanonical::pg_catalog.regproc::text END,
                 CASE WHEN rg.rngsubdiff <> 0 THEN rg.rngsubdiff::pg_catalog.regproc::text END)
        FROM pg_catalog.pg_range rg WHERE rg.rngtypid = t.oid) END,
      CASE WHEN t.typtype = 'b' THEN pg_catalog.json_build_array(t.typinput::pg_catalog.regproc::text, t.typoutput::pg_catalog.regproc::text) END,
      alembic_guard.comment_of('pg_catalog.pg_type'::pg_catalog.regclass, t.oid, 0)
    )::text)
  INTO key, hash
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  WHERE t.oid = typ AND t.typtype IN ('b', 'c', 'd', 'e', 'p', 'r')
    AND alembic_guard.user_namespace(t.typnamespace)
    AND NOT alembic_guard.hidden('pg_catalog.pg_type'::pg_catalog.regclass, t.oid);
END $f$;

CREATE FUNCTION alembic_guard.function_row(fn oid, OUT key text, OUT hash text) LANGUAGE plpgsql STABLE AS $f$
BEGIN
  SELECT 'function ' || pg_catalog.format('%I.%I', n.nspname, p.proname) || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
    pg_catalog.md5(pg_catalog.json_build_array(
      p.prokind, pg_catalog.pg_get_function_arguments(p.oid), pg_catalog.pg_get_function_result(p.oid),
      (SELECT l.lanname FROM pg_catalog.pg_language l WHERE l.oid = p.prolang),
      p.provolatile, p.proisstrict, p.prosecdef, p.proleakproof, p.proparallel, p.procost, p.prorows, p.proconfig,
      CASE WHEN p.prokind = 'a' THEN NULL
           WHEN p.prosrc IS NULL OR p.prosrc = '' THEN pg_catalog.pg_get_functiondef(p.oid)
           ELSE p.prosrc END,
      CASE WHEN p.prokind = 'a' THEN (
        SELECT pg_catalog.json_build_array(ag.aggkind, ag.aggtransfn::pg_catalog.regproc::text, pg_catalog.format_type(ag.aggtranstype, NULL),
                 CASE WHEN ag.aggfinalfn <> 0 THEN ag.aggfinalfn::pg_catalog.regproc::text END,
                 CASE WHEN ag.aggcombinefn <> 0 THEN ag.aggcombinefn::pg_catalog.regproc::text END,
                 ag.agginitval, CASE WHEN ag.aggsortop <> 0 THEN ag.aggsortop::pg_catalog.regoperator::text END)
        FROM pg_catalog.pg_aggregate ag WHERE ag.aggfnoid = p.oid) END,
      alembic_guard.comment_of('pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, 0)
    )::text)
  INTO key, hash
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE p.oid = fn AND alembic_guard.user_namespace(p.pronamespace)
    AND NOT alembic_guard.hidden('pg_catalog.pg_proc'::pg_catalog.regclass, p.oid);
END $f$;

CREATE FUNCTION alembic_guard.other_row(cls oid, obj oid, OUT key text, OUT hash text) LANGUAGE plpgsql STABLE AS $f$
BEGIN
  IF cls = 'pg_catalog.pg_namespace'::pg_catalog.regclass THEN
    SELECT 'schema ' || pg_catalog.quote_ident(n.nspname), pg_catalog.md5(COALESCE(alembic_guard.comment_of(cls, n.oid, 0), '-'))
      INTO key, hash FROM pg_catalog.pg_namespace n
      WHERE n.oid = obj AND alembic_guard.user_namespace(n.oid) AND NOT alembic_guard.hidden(cls, n.oid);
  ELSIF cls = 'pg_catalog.pg_extension'::pg_catalog.regclass THEN
    SELECT 'extension ' || pg_catalog.quote_ident(e.extname), pg_catalog.md5(pg_catalog.json_build_array(e.extversion, n.nspname)::text)
      INTO key, hash FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.oid = obj;
  ELSIF cls = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass THEN
    SELECT 'event trigger ' || pg_catalog.quote_ident(et.evtname),
        pg_catalog.md5(pg_catalog.json_build_array(et.evtevent, et.evtfoid::pg_catalog.regproc::text, et.evttags, et.evtenabled,
                                                    alembic_guard.comment_of(cls, et.oid, 0))::text)
      INTO key, hash FROM pg_catalog.pg_event_trigger et
      WHERE et.oid = obj AND et.evtname !~ '^alembic_guard_' AND NOT alembic_guard.hidden(cls, et.oid);
  ELSIF cls = 0 THEN
    SELECT 'others', pg_catalog.md5(COALESCE(pg_catalog.string_agg(pg_catalog.json_build_array(o.type, o.schema, o.identity,
             CASE WHEN u.parent_classid IS NOT NULL THEN (SELECT po.identity FROM pg_catalog.pg_identify_object(u.parent_classid, u.parent_oid, 0) AS po) END)::text,
             E'\n' ORDER BY o.type, o.identity), ''))
      INTO key, hash
      FROM (
${OTHER_OBJECTS_SQL}
      ) AS u
      CROSS JOIN LATERAL pg_catalog.pg_identify_object(u.classid, u.oid, 0) AS o
      WHERE u.oid >= 16384 AND NOT alembic_guard.hidden(u.classid, u.oid)
        AND (o.schema IS NULL OR o.schema NOT IN ('pg_catalog', 'information_schema', 'alembic_guard'));
  END IF;
END $f$;

CREATE FUNCTION alembic_guard.object_row(cls oid, obj oid, OUT key text, OUT hash text) LANGUAGE plpgsql STABLE AS $f$
BEGIN
  IF cls = 'pg_catalog.pg_class'::pg_catalog.regclass THEN
    SELECT r.key, r.hash INTO key, hash FROM alembic_guard.relation_row(obj) r;
  ELSIF cls = 'pg_catalog.pg_type'::pg_catalog.regclass THEN
    SELECT r.key, r.hash INTO key, hash FROM alembic_guard.type_row(obj) r;
  ELSIF cls = 'pg_catalog.pg_proc'::pg_catalog.regclass THEN
    SELECT r.key, r.hash INTO key, hash FROM alembic_guard.function_row(obj) r;
  ELSE
    SELECT r.key, r.hash INTO key, hash FROM alembic_guard.other_row(cls, obj) r;
  END IF;
END $f$;

-- The catalog rows that belong to a top-level object (to find it again when one of them is dropped).
CREATE FUNCTION alembic_guard.members_of(cls oid, obj oid) RETURNS TABLE (classid oid, objid oid) LANGUAGE plpgsql STABLE AS $f$
BEGIN
  -- only the parts a statement can drop without naming the object they belong to (DROP INDEX,
  -- DROP TRIGGER, DROP RULE, DROP POLICY, DROP STATISTICS); everything else is dropped by an
  -- ALTER of the object, which the log names
  IF cls = 'pg_catalog.pg_class'::pg_catalog.regclass THEN
    RETURN QUERY
      SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::oid, x.indexrelid FROM pg_catalog.pg_index x WHERE x.indrelid = obj
      UNION ALL SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass::oid, t.oid FROM pg_catalog.pg_trigger t WHERE t.tgrelid = obj
      UNION ALL SELECT 'pg_catalog.pg_rewrite'::pg_catalog.regclass::oid, r.oid FROM pg_catalog.pg_rewrite r WHERE r.ev_class = obj
      UNION ALL SELECT 'pg_catalog.pg_policy'::pg_catalog.regclass::oid, p.oid FROM pg_catalog.pg_policy p WHERE p.polrelid = obj
      UNION ALL SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass::oid, s.oid FROM pg_catalog.pg_statistic_ext s WHERE s.stxrelid = obj;
  END IF;
END $f$;

-- What other objects may print of an object: its name (the key), its columns' names in order, an
-- enum's labels, a composite type's attributes. Its dependents are rehashed only when these change.
CREATE FUNCTION alembic_guard.names_of(cls oid, obj oid) RETURNS text LANGUAGE plpgsql STABLE AS $f$
BEGIN
  IF cls = 'pg_catalog.pg_class'::pg_catalog.regclass THEN
    RETURN COALESCE((SELECT pg_catalog.string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = obj AND a.attnum > 0 AND NOT a.attisdropped), '');
  ELSIF cls = 'pg_catalog.pg_type'::pg_catalog.regclass THEN
    RETURN COALESCE((SELECT pg_catalog.string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = obj), '')
      || '|' || COALESCE((SELECT pg_catalog.string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_catalog.pg_type t
                          JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped WHERE t.oid = obj), '');
  END IF;
  RETURN '';
END $f$;

-- Every top-level object that exists now (for a full rebuild).
CREATE FUNCTION alembic_guard.all_tops() RETURNS TABLE (classid oid, objid oid) LANGUAGE sql STABLE AS $f$
  SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::oid, c.oid FROM pg_catalog.pg_class c
    WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') AND alembic_guard.user_namespace(c.relnamespace)
  UNION ALL SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid FROM pg_catalog.pg_type t
    WHERE t.typtype IN ('b', 'c', 'd', 'e', 'p', 'r') AND alembic_guard.user_namespace(t.typnamespace)
  UNION ALL SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid FROM pg_catalog.pg_proc p WHERE alembic_guard.user_namespace(p.pronamespace)
  UNION ALL SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass, n.oid FROM pg_catalog.pg_namespace n WHERE alembic_guard.user_namespace(n.oid)
  UNION ALL SELECT 'pg_catalog.pg_extension'::pg_catalog.regclass, e.oid FROM pg_catalog.pg_extension e
  UNION ALL SELECT 'pg_catalog.pg_event_trigger'::pg_catalog.regclass, et.oid FROM pg_catalog.pg_event_trigger et
  UNION ALL SELECT 0, 0
$f$;

CREATE FUNCTION alembic_guard.digest() RETURNS text LANGUAGE sql STABLE AS $f$
  SELECT s.digest::text FROM alembic_guard.settings s
$f$;

-- The digest computed from scratch, without the kept rows (what sync() must always agree with).
CREATE FUNCTION alembic_guard.full_digest() RETURNS text LANGUAGE sql STABLE AS $f$
  SELECT alembic_guard.xor_agg(alembic_guard.contribution(r.key, r.hash))::text
  FROM alembic_guard.all_tops() a CROSS JOIN LATERAL alembic_guard.object_row(a.classid, a.objid) r
  WHERE r.key IS NOT NULL
$f$;

-- Fill alembic_guard.objects and members from scratch.
CREATE FUNCTION alembic_guard.rebuild() RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
  DELETE FROM alembic_guard.log;
  DELETE FROM alembic_guard.objects;
  DELETE FROM alembic_guard.members;
  INSERT INTO alembic_guard.objects
    SELECT a.classid, a.objid, r.key, r.hash, alembic_guard.names_of(a.classid, a.objid), alembic_guard.contribution(r.key, r.hash)
    FROM alembic_guard.all_tops() a CROSS JOIN LATERAL alembic_guard.object_row(a.classid, a.objid) r
    WHERE r.key IS NOT NULL;
  INSERT INTO alembic_guard.members
    SELECT m.classid, m.objid, o.classid, o.objid FROM alembic_guard.objects o CROSS JOIN LATERAL alembic_guard.members_of(o.classid, o.objid) m
    ON CONFLICT (classid, objid) DO NOTHING;
  UPDATE alembic_guard.settings SET digest = (SELECT alembic_guard.xor_agg(o.h) FROM alembic_guard.objects o);
  RETURN alembic_guard.digest();
END $f$;

-- Bring alembic_guard.objects up to date and return the digest of the schema (from scratch each
-- time when there are no event triggers). In rounds: the objects the logged DDL touched (found
-- through the kept objects and members, else the catalogs), rehashed; then the objects depending
-- on those whose hash changed, until nothing changes.
CREATE FUNCTION alembic_guard.sync() RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
  cur_c oid[];
  cur_o oid[];
  changed_c oid[];
  changed_o oid[];
  seen text[] := '{}';
  item record;
  tk text;
  th text;
  tn text;
  th_h bigint;
  had boolean;
  delta bigint := 0;
  children oid[] := '{}';
  dep_c oid[];
  dep_o oid[];
  old record;
BEGIN
  IF NOT (SELECT s.incremental FROM alembic_guard.settings s) THEN
    RETURN alembic_guard.full_digest();
  END IF;
  IF NOT EXISTS (SELECT 1 FROM alembic_guard.log)
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_event_trigger et WHERE et.evtname !~ '^alembic_guard_')
     AND NOT EXISTS (SELECT 1 FROM alembic_guard.objects ob WHERE ob.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass) THEN
    RETURN alembic_guard.digest();
  END IF;
  WITH l AS (SELECT DISTINCT lg.classid, lg.objid FROM alembic_guard.log lg),
  known AS (
    SELECT l.classid, l.objid, COALESCE(ob.classid, m.top_classid) AS tc, COALESCE(ob.objid, m.top_objid) AS tobj
    FROM l
    LEFT JOIN alembic_guard.objects ob ON ob.classid = l.classid AND ob.objid = l.objid
    LEFT JOIN alembic_guard.members m ON m.classid = l.classid AND m.objid = l.objid
  ),
  unknown AS (SELECT pg_catalog.array_agg(k.classid) AS c, pg_catalog.array_agg(k.objid) AS o FROM known k WHERE k.tc IS NULL),
  all_tops AS (
    SELECT k.tc AS top_classid, k.tobj AS top_objid FROM known k WHERE k.tc IS NOT NULL
    UNION
    SELECT t.top_classid, t.top_objid FROM unknown u CROSS JOIN LATERAL alembic_guard.tops(u.c, u.o) t WHERE u.c IS NOT NULL
  )
  SELECT pg_catalog.array_agg(a.top_classid), pg_catalog.array_agg(a.top_objid) INTO cur_c, cur_o
  FROM (SELECT * FROM all_tops
        -- DDL on event triggers fires no event trigger: they are looked at every time
        UNION SELECT 'pg_catalog.pg_event_trigger'::pg_catalog.regclass::oid, et.oid FROM pg_catalog.pg_event_trigger et WHERE et.evtname !~ '^alembic_guard_'
        UNION SELECT ob.classid, ob.objid FROM alembic_guard.objects ob WHERE ob.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass) a
  WHERE a.top_classid IS NOT NULL AND a.top_objid IS NOT NULL;
  DELETE FROM alembic_guard.log;
  WHILE COALESCE(pg_catalog.array_length(cur_c, 1), 0) > 0 LOOP
    changed_c := '{}';
    changed_o := '{}';
    FOR i IN 1 .. pg_catalog.array_length(cur_c, 1) LOOP
      IF (cur_c[i] || '/' || cur_o[i]) = ANY (seen) THEN CONTINUE; END IF;
      seen := seen || (cur_c[i] || '/' || cur_o[i]);
      SELECT r.key, r.hash INTO tk, th FROM alembic_guard.object_row(cur_c[i], cur_o[i]) r;
      SELECT ob.key, ob.hash, ob.names, ob.h INTO old FROM alembic_guard.objects ob WHERE ob.classid = cur_c[i] AND ob.objid = cur_o[i];
      had := FOUND;
      IF had AND old.key = tk AND old.hash = th THEN CONTINUE; END IF;
      IF NOT had AND tk IS NULL THEN CONTINUE; END IF;
      IF had THEN
        DELETE FROM alembic_guard.objects ob WHERE ob.classid = cur_c[i] AND ob.objid = cur_o[i];
        DELETE FROM alembic_guard.members m WHERE m.top_classid = cur_c[i] AND m.top_objid = cur_o[i];
        delta := delta # old.h;
      END IF;
      IF tk IS NOT NULL THEN
        tn := alembic_guard.names_of(cur_c[i], cur_o[i]);
        th_h := alembic_guard.contribution(tk, th);
        INSERT INTO alembic_guard.objects VALUES (cur_c[i], cur_o[i], tk, th, tn, th_h);
        delta := delta # th_h;
        INSERT INTO alembic_guard.members SELECT m.classid, m.objid, cur_c[i], cur_o[i] FROM alembic_guard.members_of(cur_c[i], cur_o[i]) m
          ON CONFLICT (classid, objid) DO UPDATE SET top_classid = excluded.top_classid, top_objid = excluded.top_objid;
        -- what depends on it may print its name, its columns' names or its labels: rehashed when
        -- those changed (a new object's dependents are new and logged themselves)
        IF had AND (old.key <> tk OR old.names <> tn) THEN
          changed_c := changed_c || cur_c[i];
          changed_o := changed_o || cur_o[i];
        END IF;
        -- partitions and inheritance children take their parent's columns, constraints and triggers
        IF cur_c[i] = 'pg_catalog.pg_class'::pg_catalog.regclass THEN
          FOR item IN SELECT ih.inhrelid FROM pg_catalog.pg_inherits ih WHERE ih.inhparent = cur_o[i] LOOP
            children := children || item.inhrelid;
          END LOOP;
        END IF;
      END IF;
    END LOOP;
    cur_c := pg_catalog.array_fill('pg_catalog.pg_class'::pg_catalog.regclass::oid, ARRAY[COALESCE(pg_catalog.array_length(children, 1), 0)]);
    cur_o := children;
    children := '{}';
    IF COALESCE(pg_catalog.array_length(changed_c, 1), 0) = 0 THEN
      CONTINUE;
    END IF;
    -- the objects that depend on what changed, except the changed objects' own parts
    SELECT pg_catalog.array_agg(t.top_classid), pg_catalog.array_agg(t.top_objid) INTO dep_c, dep_o
    FROM (
      SELECT pg_catalog.array_agg(d.classid) AS c, pg_catalog.array_agg(d.objid) AS o
      FROM ROWS FROM (pg_catalog.unnest(changed_c), pg_catalog.unnest(changed_o)) AS ch(classid, objid)
      JOIN pg_catalog.pg_depend d ON d.refclassid = ch.classid AND d.refobjid = ch.objid
      WHERE NOT EXISTS (SELECT 1 FROM alembic_guard.members m WHERE m.classid = d.classid AND m.objid = d.objid
                          AND m.top_classid = ch.classid AND m.top_objid = ch.objid)
        AND NOT (d.classid = ch.classid AND d.objid = ch.objid)
    ) dep CROSS JOIN LATERAL alembic_guard.tops(dep.c, dep.o) t
    WHERE dep.c IS NOT NULL AND t.top_classid IS NOT NULL AND t.top_objid IS NOT NULL;
    cur_c := cur_c || COALESCE(dep_c, '{}');
    cur_o := cur_o || COALESCE(dep_o, '{}');
  END LOOP;
  IF delta <> 0 THEN
    UPDATE alembic_guard.settings SET digest = digest # delta;
  END IF;
  RETURN alembic_guard.digest();
END $f$;

-- The lock trace: relfilenodes before a revision, and after each statement this backend's
-- relation locks and the remembered relations it rewrote.
CREATE FUNCTION alembic_guard.mark_revision() RETURNS void LANGUAGE sql AS $f$
  -- only what changed since the last mark: relations created since, and rewritten ones
  INSERT INTO alembic_guard.relfilenodes AS r
    SELECT c.oid, c.relfilenode FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid >= 16384::pg_catalog.oid AND c.relkind IN ('r', 'm', 'i', 't', 'p', 'I')
      AND alembic_guard.user_schema(n.nspname)
      AND NOT EXISTS (SELECT 1 FROM alembic_guard.relfilenodes x WHERE x.oid = c.oid AND x.relfilenode = c.relfilenode)
  ON CONFLICT (oid) DO UPDATE SET relfilenode = excluded.relfilenode;
$f$;

-- The end of a step, in its transaction: the digest, the relfilenodes for the next revision's
-- trace (when mark is true), and the newest user table (rows are generated only when it changes).
CREATE FUNCTION alembic_guard.step_end(mark boolean) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE
  d text := alembic_guard.sync();
BEGIN
  IF mark THEN PERFORM alembic_guard.mark_revision(); END IF;
  -- the newest: a backward scan of pg_class's OID index that stops at the first user table (a
  -- max() over a join reads every relation, 2.7 ms per step with 300 tables)
  RETURN d || ' ' || COALESCE((
    SELECT c.oid::text FROM pg_catalog.pg_class c
    WHERE c.oid >= 16384::pg_catalog.oid AND c.relkind IN ('r', 'p')
      AND (SELECT alembic_guard.user_schema(n.nspname) FROM pg_catalog.pg_namespace n WHERE n.oid = c.relnamespace)
    ORDER BY c.oid DESC LIMIT 1), '0');
END $f$;

-- The tables rows could go into before a revision: every user table not looked at yet, whether it
-- holds rows, and what its columns need (types, NOT NULL, defaults, foreign keys, CHECKs).
CREATE FUNCTION alembic_guard.seed_candidates() RETURNS json LANGUAGE plpgsql AS $f$
DECLARE
  t record;
  has boolean;
  out json[] := '{}';
BEGIN
  -- the tables not looked at yet first (OFFSET 0 keeps the planner from testing the others too)
  FOR t IN
    SELECT u.oid, u.nspname, u.relname FROM (
      SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid >= 16384::pg_catalog.oid AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND alembic_guard.user_schema(n.nspname)
        AND c.relname <> 'alembic_version'
        AND NOT EXISTS (SELECT 1 FROM alembic_guard.seeded sd WHERE sd.oid = c.oid)
        -- every table returned here is recorded in seeded, and a new table gets a higher OID than
        -- any before it: the ones not looked at yet lie above the highest recorded (an index range,
        -- not every relation), apart from the ignored and hidden ones, which the filter below drops
        AND c.oid > COALESCE((SELECT pg_catalog.max(sd.oid) FROM alembic_guard.seeded sd), 0::pg_catalog.oid)
      OFFSET 0) u
    WHERE NOT (u.relname = ANY (SELECT pg_catalog.unnest(s.ignore_tables) FROM alembic_guard.settings s)
               OR pg_catalog.format('%s.%s', u.nspname, u.relname) = ANY (SELECT pg_catalog.unnest(s.ignore_tables) FROM alembic_guard.settings s))
      AND NOT alembic_guard.hidden('pg_catalog.pg_class'::pg_catalog.regclass, u.oid)
    ORDER BY u.oid
  LOOP
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %I.%I)', t.nspname, t.relname) INTO has;
    out := out || (SELECT pg_catalog.json_build_object(
      'oid', t.oid, 'schema', t.nspname, 'name', t.relname, 'ident', pg_catalog.format('%I.%I', t.nspname, t.relname), 'hasRows', has,
      'columns', (
        SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
          'name', a.attname,
          'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
          'typeIdent', pg_catalog.format_type(a.atttypid, NULL),
          'base', pg_catalog.format_type(CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE a.atttypid END, NULL),
          'labels', (SELECT pg_catalog.array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e
                     WHERE e.enumtypid = CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE a.atttypid END),
          'array', ty.typcategory = 'A' OR (ty.typtype = 'd' AND (SELECT bt.typcategory FROM pg_catalog.pg_type bt WHERE bt.oid = ty.typbasetype) = 'A'),
          'length', CASE WHEN a.atttypmod > 4 AND pg_catalog.format_type(a.atttypid, NULL) IN ('character varying', 'character') THEN a.atttypmod - 4 END,
          'notNull', a.attnotnull OR (ty.typtype = 'd' AND ty.typnotnull),
          'hasDefault', a.atthasdef OR (ty.typtype = 'd' AND ty.typdefaultbin IS NOT NULL),
          'identity', a.attidentity <> '',
          'generated', a.attgenerated <> '',
          'fk', (SELECT pg_catalog.json_build_object('oid', k.confrelid, 'ident', pg_catalog.format('%I.%I', pn.nspname, pc.relname), 'column', pa.attname)
                 FROM pg_catalog.pg_constraint k
                 CROSS JOIN LATERAL pg_catalog.generate_subscripts(k.conkey, 1) AS i
                 JOIN pg_catalog.pg_class pc ON pc.oid = k.confrelid
                 JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
                 JOIN pg_catalog.pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = k.confkey[i]
                 WHERE k.conrelid = t.oid AND k.contype = 'f' AND k.conkey[i] = a.attnum AND k.confrelid <> t.oid
                 LIMIT 1)
        ) ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
        WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped),
      'checks', (
        SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
          'definition', pg_catalog.pg_get_constraintdef(k.oid),
          'columns', (SELECT pg_catalog.array_agg(a.attname) FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.oid AND a.attnum = ANY (k.conkey))))
        FROM pg_catalog.pg_constraint k WHERE k.conrelid = t.oid AND k.contype = 'c')));
  END LOOP;
  RETURN pg_catalog.array_to_json(out);
END $f$;

CREATE FUNCTION alembic_guard.after_statement() RETURNS json LANGUAGE plpgsql AS $f$
DECLARE
  result json;
BEGIN
  WITH held AS (
    SELECT l.relation, l.mode, l.granted, c.relname, n.nspname, c.relkind, c.relfilenode, r.relfilenode AS before
    FROM pg_catalog.pg_locks l
    JOIN pg_catalog.pg_class c ON c.oid = l.relation
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN alembic_guard.relfilenodes r ON r.oid = c.oid
    -- a DDL statement leaves a hundred locks on catalogs and their indexes: their OIDs are below
    -- FirstNormalObjectId (16384), which nothing created in a database ever gets (the same bound
    -- keeps the scans of pg_class below to user relations)
    WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.relation >= 16384::pg_catalog.oid
      -- on the joined row (user_namespace() runs a query per lock: most of this function's time once)
      AND alembic_guard.user_schema(n.nspname)
      AND c.relname <> 'alembic_version'
      AND NOT (c.relname = ANY (SELECT pg_catalog.unnest(s.ignore_tables) FROM alembic_guard.settings s)
               OR pg_catalog.format('%s.%s', n.nspname, c.relname) = ANY (SELECT pg_catalog.unnest(s.ignore_tables) FROM alembic_guard.settings s))
  ), rewritten AS (
    UPDATE alembic_guard.relfilenodes r SET relfilenode = h.relfilenode
    FROM (SELECT DISTINCT relation, relfilenode FROM held WHERE before IS NOT NULL AND relfilenode <> before AND relfilenode <> 0) h
    WHERE r.oid = h.relation
    RETURNING r.oid
  )
  SELECT pg_catalog.json_build_object(
    'locks', (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(h.relation, h.nspname, h.relname, h.relkind, h.mode, h.granted, h.before IS NOT NULL)) FROM held h),
    'rewrites', (SELECT pg_catalog.json_agg(DISTINCT h.relation) FROM held h JOIN rewritten w ON w.oid = h.relation))
  INTO result;
  RETURN result;
END $f$;
`;

/** The event triggers that make sync() incremental (a superuser only may create them). */
export const FINGERPRINT_TRIGGERS_SQL = String.raw`
CREATE EVENT TRIGGER alembic_guard_ddl ON ddl_command_end EXECUTE FUNCTION alembic_guard.on_ddl();
CREATE EVENT TRIGGER alembic_guard_drop ON sql_drop EXECUTE FUNCTION alembic_guard.on_drop();
UPDATE alembic_guard.settings SET incremental = true;
`;

/**
 * A script of this file as its statements, for drivers that take one statement per call: split at
 * each `;` that ends a line outside a $f$ … $f$ body.
 */
export function statementsOf(script: string): string[] {
  const out: string[] = [];
  let current: string[] = [];
  let inBody = false;
  for (const line of script.split('\n')) {
    if (current.length === 0 && line.trim() === '') continue;
    current.push(line);
    const marks = line.split('$f$').length - 1;
    if (marks % 2 === 1) inBody = !inBody;
    if (!inBody && line.trimEnd().endsWith(';')) {
      out.push(current.join('\n').trim());
      current = [];
    }
  }
  if (current.join('').trim() !== '') out.push(current.join('\n').trim());
  return out;
}

/** Removes everything again (before autogenerate compares the database with the models). */
export const FINGERPRINT_UNINSTALL_SQL = String.raw`
DROP EVENT TRIGGER IF EXISTS alembic_guard_ddl;
DROP EVENT TRIGGER IF EXISTS alembic_guard_drop;
DROP SCHEMA IF EXISTS alembic_guard CASCADE;
`;
