-- +goose Up
-- A table's CHECK is read, planned and evaluated for every row each statement writes, whatever
-- columns changed; a domain's constraint is cached per connection and checked only for the
-- values assigned to its columns. So the rules on one column's format (ULIDs, currencies, text
-- and hash lengths) are domains of this schema, and each table's <table>_row_check keeps only
-- the rule relating two columns (a customer's cart or a guest's) and the numbers (version,
-- quantity, price); a table left without one (mutation) has no CHECK. Measured in
-- docs/benchmarks.md ("Rules as domains").
-- Changing a column to a domain with constraints rewrites its table (once per ALTER TABLE below)
-- under an ACCESS EXCLUSIVE lock, and the domains' rules are checked on every row as it is
-- rewritten; that is accepted for this one-off change.
CREATE DOMAIN cart.ulid AS text CHECK (VALUE ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$');
CREATE DOMAIN cart.currency AS text CHECK (VALUE ~ '^[A-Z]{3}$');
CREATE DOMAIN cart.text_1_64 AS text CHECK (length(VALUE) BETWEEN 1 AND 64);
CREATE DOMAIN cart.text_1_128 AS text CHECK (length(VALUE) BETWEEN 1 AND 128);
CREATE DOMAIN cart.sha256 AS bytea CHECK (length(VALUE) = 32);

-- line.cart_id and mutation.cart_id stay text (they carried no rule); their foreign keys compare
-- them with cart.id as text.
ALTER TABLE cart.cart
    DROP CONSTRAINT cart_row_check,
    ALTER COLUMN id TYPE cart.ulid,
    ALTER COLUMN customer_id TYPE cart.text_1_128,
    ALTER COLUMN guest_token_hash TYPE cart.sha256,
    ALTER COLUMN currency TYPE cart.currency,
    ADD CONSTRAINT cart_row_check CHECK ((customer_id IS NULL) <> (guest_token_hash IS NULL) AND version >= 1);

-- sku keeps its "C" collation: lines sort by code point.
ALTER TABLE cart.line
    DROP CONSTRAINT line_row_check,
    ALTER COLUMN sku TYPE cart.text_1_64 COLLATE "C",
    ALTER COLUMN currency TYPE cart.currency,
    ADD CONSTRAINT line_row_check CHECK (quantity BETWEEN 1 AND 999 AND unit_price >= 0);

ALTER TABLE cart.mutation
    DROP CONSTRAINT mutation_row_check,
    ALTER COLUMN client_mutation_id TYPE cart.text_1_128;

-- +goose Down
ALTER TABLE cart.mutation
    ALTER COLUMN client_mutation_id TYPE text,
    ADD CONSTRAINT mutation_row_check CHECK ((length(client_mutation_id) BETWEEN 1 AND 128));

ALTER TABLE cart.line
    DROP CONSTRAINT line_row_check,
    ALTER COLUMN sku TYPE text COLLATE "C",
    ALTER COLUMN currency TYPE text,
    ADD CONSTRAINT line_row_check CHECK ((currency ~ '^[A-Z]{3}$')
        AND (quantity BETWEEN 1 AND 999)
        AND (length(sku) BETWEEN 1 AND 64)
        AND (unit_price >= 0));

ALTER TABLE cart.cart
    DROP CONSTRAINT cart_row_check,
    ALTER COLUMN id TYPE text,
    ALTER COLUMN customer_id TYPE text,
    ALTER COLUMN guest_token_hash TYPE bytea,
    ALTER COLUMN currency TYPE text,
    ADD CONSTRAINT cart_row_check CHECK (((customer_id IS NULL) <> (guest_token_hash IS NULL))
        AND (currency ~ '^[A-Z]{3}$')
        AND (length(customer_id) BETWEEN 1 AND 128)
        AND (length(guest_token_hash) = 32)
        AND (id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$')
        AND (version >= 1));

DROP DOMAIN cart.sha256;
DROP DOMAIN cart.text_1_128;
DROP DOMAIN cart.text_1_64;
DROP DOMAIN cart.currency;
DROP DOMAIN cart.ulid;
