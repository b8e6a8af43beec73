BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 0001

CREATE TABLE users (
    id SERIAL NOT NULL, 
    email VARCHAR(255), 
    PRIMARY KEY (id)
);

CREATE INDEX ix_users_email ON users (email);

CREATE INDEX ix_x ON users (email);

INSERT INTO alembic_version (version_num) VALUES ('0001') RETURNING alembic_version.version_num;

-- Running upgrade 0001 -> 0002

ALTER TABLE users ADD COLUMN name VARCHAR DEFAULT 'é' NOT NULL;

COMMIT;

CREATE INDEX CONCURRENTLY ix_name ON users (name);

BEGIN;

UPDATE users SET name = 'x';

ALTER TABLE users ADD CONSTRAINT fk FOREIGN KEY(id) REFERENCES users (id) NOT VALID;

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001';

COMMIT;

