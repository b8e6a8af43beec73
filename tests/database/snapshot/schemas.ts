/**
 * SQL scripts for the snapshot tests: a schema with every kind of object the snapshot reads, the
 * statements that drop all of it again, a base schema and alterations of each kind, and one
 * schema built twice in different orders.
 */

/** Every kind of object, as a migration might create it. */
export const EVERYTHING = `
CREATE SCHEMA billing;
COMMENT ON SCHEMA billing IS 'money';
CREATE EXTENSION citext;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
COMMENT ON TYPE mood IS 'how it went';
CREATE TYPE billing.status AS ENUM ('active', 'paused');
CREATE DOMAIN positive_int AS integer NOT NULL DEFAULT 1 CONSTRAINT positive_int_positive CHECK (VALUE > 0);
CREATE TYPE pair AS (a integer, b text COLLATE "C");
CREATE TYPE floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TYPE shell_only;
CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY (START WITH 100) PRIMARY KEY,
  email citext NOT NULL UNIQUE,
  name text COLLATE "C",
  m mood DEFAULT 'ok',
  score positive_int,
  full_name text GENERATED ALWAYS AS (name || '<' || email || '>') STORED,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (length(email) > 3)
);
COMMENT ON TABLE users IS 'people';
COMMENT ON COLUMN users.email IS 'login';
ALTER TABLE users ALTER COLUMN name SET STORAGE MAIN;
CREATE TABLE billing.invoices (
  id serial PRIMARY KEY,
  user_id bigint REFERENCES users (id) ON DELETE CASCADE,
  amount numeric(10,2) NOT NULL DEFAULT 0,
  status billing.status NOT NULL DEFAULT 'active',
  EXCLUDE USING btree (id WITH =) DEFERRABLE INITIALLY DEFERRED
) WITH (fillfactor = 70);
CREATE INDEX ON billing.invoices (user_id);
CREATE UNIQUE INDEX invoices_positive_amount ON billing.invoices (amount) WHERE amount > 0;
COMMENT ON INDEX billing.invoices_positive_amount IS 'one per amount';
CREATE TABLE events (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX ON events (at);
CREATE UNLOGGED TABLE cache (k text PRIMARY KEY, v jsonb);
CREATE TABLE cache_extra (extra int) INHERITS (cache);
ALTER TABLE cache REPLICA IDENTITY FULL;
CREATE TABLE typed_pairs OF pair;
CREATE SEQUENCE counter AS integer INCREMENT 5 START 10 CACHE 2 CYCLE;
CREATE VIEW active_users WITH (security_barrier) AS SELECT id, email FROM users WHERE m <> 'sad';
CREATE MATERIALIZED VIEW user_counts AS SELECT m, count(*) AS n FROM users GROUP BY m;
CREATE INDEX ON user_counts (m);
CREATE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT x + 1 $$;
CREATE FUNCTION add_two(x integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN x + 2;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  NEW.created_at := now();
  RETURN NEW;
END
$$;
CREATE PROCEDURE billing.close_month(month date) LANGUAGE sql AS $$ SELECT 1 $$;
CREATE AGGREGATE my_sum(integer) (sfunc = int4pl, stype = integer, initcond = '0');
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
COMMENT ON TRIGGER users_touch ON users IS 'keeps created_at fresh';
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON users AS RESTRICTIVE FOR SELECT TO PUBLIC USING (email = current_user);
CREATE RULE no_delete AS ON DELETE TO cache DO INSTEAD NOTHING;
CREATE STATISTICS users_stats (ndistinct) ON name, email FROM users;
CREATE COLLATION german (provider = icu, locale = 'de-DE');
CREATE OPERATOR === (leftarg = integer, rightarg = integer, function = int4eq);
CREATE CAST (pair AS text) WITH INOUT;
CREATE TEXT SEARCH CONFIGURATION my_english (COPY = english);
CREATE FOREIGN DATA WRAPPER dummy_fdw;
CREATE SERVER dummy_server FOREIGN DATA WRAPPER dummy_fdw;
CREATE FOREIGN TABLE remote_things (id int NOT NULL, label text) SERVER dummy_server OPTIONS (table_name 'things');
CREATE PUBLICATION users_pub FOR TABLE users;
CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER log_ddl ON ddl_command_end WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION on_ddl();
`;

/** Drops everything EVERYTHING creates, object by object. */
export const DROP_EVERYTHING = `
DROP EVENT TRIGGER log_ddl;
DROP FUNCTION on_ddl();
DROP PUBLICATION users_pub;
DROP FOREIGN TABLE remote_things;
DROP SERVER dummy_server;
DROP FOREIGN DATA WRAPPER dummy_fdw;
DROP TEXT SEARCH CONFIGURATION my_english;
DROP CAST (pair AS text);
DROP OPERATOR === (integer, integer);
DROP COLLATION german;
DROP STATISTICS users_stats;
DROP RULE no_delete ON cache;
DROP POLICY own_rows ON users;
DROP TRIGGER users_touch ON users;
DROP AGGREGATE my_sum(integer);
DROP PROCEDURE billing.close_month(date);
DROP FUNCTION touch();
DROP FUNCTION add_two(integer);
DROP FUNCTION add_one(integer);
DROP MATERIALIZED VIEW user_counts;
DROP VIEW active_users;
DROP SEQUENCE counter;
DROP TABLE typed_pairs;
DROP TABLE cache_extra;
DROP TABLE cache;
DROP TABLE events;
DROP TABLE billing.invoices;
DROP TABLE users;
DROP TYPE shell_only;
DROP TYPE floatrange;
DROP TYPE pair;
DROP DOMAIN positive_int;
DROP TYPE billing.status;
DROP TYPE mood;
DROP EXTENSION citext;
DROP SCHEMA billing;
`;

/** The schema the alteration test starts from. */
export const BASE = `
CREATE SCHEMA billing;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE billing.status AS ENUM ('active', 'paused');
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (a integer, b text);
CREATE TABLE users (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  email varchar(200) NOT NULL,
  name text,
  m mood DEFAULT 'ok',
  score positive_int,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_key UNIQUE (email),
  CHECK (length(email) > 3)
);
CREATE TABLE billing.invoices (
  id serial PRIMARY KEY,
  user_id bigint REFERENCES users (id),
  amount numeric(10,2) NOT NULL DEFAULT 0,
  status billing.status NOT NULL DEFAULT 'active'
);
CREATE INDEX ix_invoices_user ON billing.invoices (user_id);
CREATE TABLE events (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE SEQUENCE counter;
CREATE VIEW active_users AS SELECT id, email FROM users WHERE m <> 'sad';
CREATE MATERIALIZED VIEW user_counts AS SELECT m, count(*) AS n FROM users GROUP BY m;
CREATE FUNCTION add_one(x integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT x + 1 $$;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.created_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE POLICY own_rows ON users FOR SELECT USING (email = current_user);
`;

/** One or more changes of every kind, applied to BASE. */
export const ALTERATIONS = `
ALTER TYPE mood ADD VALUE 'ecstatic';
ALTER TYPE billing.status RENAME VALUE 'paused' TO 'on_hold';
ALTER TABLE users ALTER COLUMN name TYPE varchar(100);
ALTER TABLE users ALTER COLUMN m SET NOT NULL, ALTER COLUMN m SET DEFAULT 'happy';
ALTER TABLE users ALTER COLUMN id SET GENERATED ALWAYS;
ALTER TABLE users ADD COLUMN nickname text;
ALTER TABLE users DROP COLUMN score;
ALTER TABLE users RENAME CONSTRAINT users_email_check TO email_long_enough;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
COMMENT ON COLUMN users.email IS 'login';
ALTER TABLE billing.invoices DROP CONSTRAINT invoices_user_id_fkey,
  ADD CONSTRAINT invoices_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE billing.invoices ALTER COLUMN amount DROP DEFAULT;
DROP INDEX billing.ix_invoices_user;
CREATE INDEX ix_invoices_user ON billing.invoices (user_id, amount);
CREATE INDEX ix_users_name ON users (name);
ALTER SEQUENCE counter INCREMENT 10;
CREATE OR REPLACE VIEW active_users AS SELECT id, email FROM users WHERE m <> 'ok';
DROP MATERIALIZED VIEW user_counts;
CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.created_at := clock_timestamp();
  RETURN NEW;
END
$$;
ALTER FUNCTION add_one(integer) STABLE;
ALTER TABLE users DISABLE TRIGGER users_touch;
ALTER POLICY own_rows ON users USING (email = session_user);
ALTER DOMAIN positive_int ADD CONSTRAINT below_million CHECK (VALUE < 1000000);
ALTER TYPE pair ADD ATTRIBUTE c boolean;
CREATE EXTENSION pgcrypto;
CREATE SCHEMA audit;
CREATE TABLE audit.log (id serial PRIMARY KEY, note text);
DROP TABLE events_2024;
CREATE TABLE billing.refunds (id serial PRIMARY KEY, invoice_id int REFERENCES billing.invoices (id));
CREATE RULE users_no_delete AS ON DELETE TO users DO INSTEAD NOTHING;
CREATE STATISTICS users_stats (ndistinct) ON name, email FROM users;
CREATE OPERATOR === (leftarg = integer, rightarg = integer, function = int4eq);
CREATE FUNCTION on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER log_ddl ON ddl_command_end EXECUTE FUNCTION on_ddl();
`;

/** A schema written the plain way: everything inline, in dependency order. */
export const ORDER_A = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE accounts (
  id serial PRIMARY KEY,
  name text NOT NULL CHECK (name <> ''),
  status mood NOT NULL DEFAULT 'ok',
  balance numeric(12,2) DEFAULT 0
);
CREATE TABLE payments (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  account_id int NOT NULL REFERENCES accounts (id),
  amount numeric(12,2) NOT NULL CHECK (amount > 0),
  note text,
  UNIQUE (account_id, id)
);
CREATE INDEX ON payments (account_id);
CREATE INDEX ix_payments_note ON payments (lower(note));
CREATE FUNCTION a_first() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION b_second() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;
CREATE VIEW big_payments AS SELECT id, amount FROM payments WHERE amount > 100;
COMMENT ON TABLE payments IS 'money in';
`;

/**
 * The same schema, built the way a long migration history does: objects in another order,
 * enum labels added one by one (and out of order), columns added later and one dropped in
 * between (a gap in attnum), constraints and defaults added by ALTER, and names the server had
 * to number (`payments_amount_check1`, `payments_account_id_idx1`) because a name was taken at
 * the time.
 */
export const ORDER_B = `
CREATE FUNCTION b_second() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;
CREATE TYPE mood AS ENUM ('sad');
ALTER TYPE mood ADD VALUE 'happy';
ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy';
CREATE TABLE accounts (id serial PRIMARY KEY);
CREATE TABLE payments (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);
ALTER TABLE payments ADD COLUMN obsolete int;
ALTER TABLE payments ADD COLUMN note text;
ALTER TABLE payments ADD COLUMN amount numeric(12,2);
ALTER TABLE payments ADD CONSTRAINT payments_amount_check CHECK (amount > -1);
ALTER TABLE payments ADD CHECK (amount > 0);
ALTER TABLE payments DROP CONSTRAINT payments_amount_check;
ALTER TABLE payments ALTER COLUMN amount SET NOT NULL;
ALTER TABLE payments DROP COLUMN obsolete;
ALTER TABLE payments ADD COLUMN account_id int;
ALTER TABLE payments ALTER COLUMN account_id SET NOT NULL;
ALTER TABLE accounts ADD COLUMN balance numeric(12,2);
ALTER TABLE accounts ADD COLUMN status mood;
ALTER TABLE accounts ADD COLUMN name text;
ALTER TABLE accounts ALTER COLUMN name SET NOT NULL, ADD CHECK (name <> '');
ALTER TABLE accounts ALTER COLUMN status SET DEFAULT 'ok', ALTER COLUMN status SET NOT NULL;
ALTER TABLE accounts ALTER COLUMN balance SET DEFAULT 0;
COMMENT ON TABLE payments IS 'money in';
CREATE INDEX ix_payments_note ON payments (lower(note));
CREATE INDEX ON payments (account_id DESC);
CREATE INDEX ON payments (account_id);
DROP INDEX payments_account_id_idx;
ALTER TABLE payments ADD UNIQUE (account_id, id);
ALTER TABLE payments ADD FOREIGN KEY (account_id) REFERENCES accounts (id);
CREATE VIEW big_payments AS SELECT id, amount FROM payments WHERE amount > 100;
CREATE FUNCTION a_first() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
`;
