-- +goose Up
-- A table's CHECK is read, planned and evaluated for every row each statement writes, whatever
-- columns changed; a domain's constraint is cached per connection and checked only for the
-- values assigned to its columns. So the rules on one column's format or range (ULIDs, SKUs,
-- names, hold states, coordinates) are domains of this schema, and each table's <table>_row_check
-- keeps only the stock invariants: on_hand >= 0 and quantity > 0; a table left without one
-- (fulfillment_center, hot_sku) has no CHECK. Measured in docs/benchmarks.md ("Rules as
-- domains").
-- Changing a column to a domain with constraints rewrites its table (once per ALTER TABLE below)
-- under an ACCESS EXCLUSIVE lock, and the domains' rules are checked on every row as it is
-- rewritten; that is accepted for this one-off change.
CREATE DOMAIN inventory.ulid AS text CHECK (VALUE ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$');
CREATE DOMAIN inventory.text_1_64 AS text CHECK (VALUE <> '' AND length(VALUE) <= 64);
CREATE DOMAIN inventory.nonempty_text AS text CHECK (VALUE <> '');
CREATE DOMAIN inventory.latitude AS double precision CHECK (VALUE BETWEEN -90 AND 90);
CREATE DOMAIN inventory.longitude AS double precision CHECK (VALUE BETWEEN -180 AND 180);
CREATE DOMAIN inventory.hold_status AS text CHECK (VALUE IN ('ACTIVE', 'CONFIRMED', 'RELEASED'));

-- stock.fulfillment_center_id and the hold's (sku, fulfillment_center_id) stay text (they
-- carried no rule); their foreign keys compare them with the domain-typed keys as text.
ALTER TABLE inventory.fulfillment_center
    DROP CONSTRAINT fulfillment_center_row_check,
    ALTER COLUMN id TYPE inventory.ulid,
    ALTER COLUMN code TYPE inventory.nonempty_text,
    ALTER COLUMN name TYPE inventory.nonempty_text,
    ALTER COLUMN latitude TYPE inventory.latitude,
    ALTER COLUMN longitude TYPE inventory.longitude;

ALTER TABLE inventory.stock
    DROP CONSTRAINT stock_row_check,
    ALTER COLUMN sku TYPE inventory.text_1_64,
    ADD CONSTRAINT stock_row_check CHECK (on_hand >= 0);

ALTER TABLE inventory.hot_sku
    DROP CONSTRAINT hot_sku_row_check,
    ALTER COLUMN sku TYPE inventory.text_1_64;

-- Postgres cannot change the type of a column a generated column reads, so active_until (and
-- its index) is dropped and added again, computed as before; the partial index
-- hold_active_by_stock is rebuilt on the new type.
ALTER TABLE inventory.hold
    DROP CONSTRAINT hold_row_check,
    DROP COLUMN active_until,
    ALTER COLUMN id TYPE inventory.ulid,
    ALTER COLUMN status TYPE inventory.hold_status,
    ADD COLUMN active_until timestamptz GENERATED ALWAYS AS (CASE WHEN status = 'ACTIVE' THEN expires_at END) STORED,
    ADD CONSTRAINT hold_row_check CHECK (quantity > 0);
CREATE INDEX hold_active_until ON inventory.hold (active_until) WHERE active_until IS NOT NULL;

-- +goose Down
ALTER TABLE inventory.hold
    DROP CONSTRAINT hold_row_check,
    DROP COLUMN active_until,
    ALTER COLUMN id TYPE text,
    ALTER COLUMN status TYPE text,
    ADD COLUMN active_until timestamptz GENERATED ALWAYS AS (CASE WHEN status = 'ACTIVE' THEN expires_at END) STORED,
    ADD CONSTRAINT hold_row_check CHECK ((id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$')
        AND (quantity > 0)
        AND (status IN ('ACTIVE', 'CONFIRMED', 'RELEASED')));
CREATE INDEX hold_active_until ON inventory.hold (active_until) WHERE active_until IS NOT NULL;

ALTER TABLE inventory.hot_sku
    ALTER COLUMN sku TYPE text,
    ADD CONSTRAINT hot_sku_row_check CHECK ((sku <> '') AND (length(sku) <= 64));

ALTER TABLE inventory.stock
    DROP CONSTRAINT stock_row_check,
    ALTER COLUMN sku TYPE text,
    ADD CONSTRAINT stock_row_check CHECK ((on_hand >= 0) AND ((sku <> '') AND (length(sku) <= 64)));

ALTER TABLE inventory.fulfillment_center
    ALTER COLUMN id TYPE text,
    ALTER COLUMN code TYPE text,
    ALTER COLUMN name TYPE text,
    ALTER COLUMN latitude TYPE double precision,
    ALTER COLUMN longitude TYPE double precision,
    ADD CONSTRAINT fulfillment_center_row_check CHECK ((code <> '')
        AND (id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$')
        AND (latitude BETWEEN -90 AND 90)
        AND (longitude BETWEEN -180 AND 180)
        AND (name <> ''));

DROP DOMAIN inventory.hold_status;
DROP DOMAIN inventory.longitude;
DROP DOMAIN inventory.latitude;
DROP DOMAIN inventory.nonempty_text;
DROP DOMAIN inventory.text_1_64;
DROP DOMAIN inventory.ulid;
