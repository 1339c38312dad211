-- +goose Up
-- A table's CHECK is read, planned and evaluated for every row each statement writes, whatever
-- columns changed; a domain's constraint is cached per connection and checked only for the
-- values assigned to its columns. So the rules on one column's format or membership (ULIDs,
-- currencies, enumerations, text and hash lengths) are domains of this schema, and each table's
-- <table>_row_check keeps only the money invariants (totals, prices and quantities); a table
-- left without one (saga, idempotency_key) has no CHECK. Measured in docs/benchmarks.md
-- ("Rules as domains").
-- Changing a column to a domain with constraints rewrites its table (once per ALTER TABLE below)
-- under an ACCESS EXCLUSIVE lock, and the domains' rules are checked on every row as it is
-- rewritten; that is accepted for this one-off change.
CREATE DOMAIN orders.ulid AS text CHECK (VALUE ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$');
CREATE DOMAIN orders.currency AS text CHECK (VALUE ~ '^[A-Z]{3}$');
CREATE DOMAIN orders.text_1_64 AS text CHECK (length(VALUE) BETWEEN 1 AND 64);
CREATE DOMAIN orders.text_1_160 AS text CHECK (length(VALUE) BETWEEN 1 AND 160);
CREATE DOMAIN orders.text_1_255 AS text CHECK (length(VALUE) BETWEEN 1 AND 255);
CREATE DOMAIN orders.sha256 AS bytea CHECK (length(VALUE) = 32);
CREATE DOMAIN orders.saga_status AS text CHECK (VALUE IN ('RUNNING', 'COMPENSATING', 'COMPLETED', 'FAILED'));
-- orders.order_status names the table of an order's status history (and its row type).
CREATE DOMAIN orders.order_state AS text CHECK (VALUE IN ('PLACED', 'PAID', 'FULFILLING', 'SHIPPED',
    'DELIVERED', 'CANCELLED', 'RETURNED'));

ALTER TABLE orders.idempotency_key
    DROP CONSTRAINT idempotency_key_row_check,
    ALTER COLUMN scope TYPE orders.text_1_160,
    ALTER COLUMN key TYPE orders.text_1_255,
    ALTER COLUMN request_hash TYPE orders.sha256;

-- order.id stays text (it carried no rule); its foreign key compares it with saga.id as text.
-- The partial index saga_unfinished_by_created is rebuilt on the new type.
ALTER TABLE orders.saga
    DROP CONSTRAINT saga_row_check,
    ALTER COLUMN id TYPE orders.ulid,
    ALTER COLUMN status TYPE orders.saga_status;

ALTER TABLE orders."order"
    DROP CONSTRAINT order_row_check,
    ALTER COLUMN currency TYPE orders.currency,
    ALTER COLUMN status TYPE orders.order_state,
    ADD CONSTRAINT order_row_check CHECK (subtotal >= 0 AND shipping >= 0 AND total > 0);

ALTER TABLE orders.order_line
    DROP CONSTRAINT order_line_row_check,
    ALTER COLUMN sku TYPE orders.text_1_64,
    ADD CONSTRAINT order_line_row_check CHECK (quantity > 0 AND unit_price >= 0);

-- +goose Down
ALTER TABLE orders.order_line
    DROP CONSTRAINT order_line_row_check,
    ALTER COLUMN sku TYPE text,
    ADD CONSTRAINT order_line_row_check CHECK ((quantity > 0)
        AND (length(sku) BETWEEN 1 AND 64)
        AND (unit_price >= 0));

ALTER TABLE orders."order"
    DROP CONSTRAINT order_row_check,
    ALTER COLUMN currency TYPE text,
    ALTER COLUMN status TYPE text,
    ADD CONSTRAINT order_row_check CHECK ((currency ~ '^[A-Z]{3}$')
        AND (shipping >= 0)
        AND (status IN ('PLACED', 'PAID', 'FULFILLING', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'RETURNED'))
        AND (subtotal >= 0)
        AND (total > 0));

ALTER TABLE orders.saga
    ALTER COLUMN id TYPE text,
    ALTER COLUMN status TYPE text,
    ADD CONSTRAINT saga_row_check CHECK ((id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$')
        AND (status IN ('RUNNING', 'COMPENSATING', 'COMPLETED', 'FAILED')));

ALTER TABLE orders.idempotency_key
    ALTER COLUMN scope TYPE text,
    ALTER COLUMN key TYPE text,
    ALTER COLUMN request_hash TYPE bytea,
    ADD CONSTRAINT idempotency_key_row_check CHECK (length(key) >= 1 AND length(key) <= 255
        AND (length(request_hash) = 32)
        AND (length(scope) BETWEEN 1 AND 160));

DROP DOMAIN orders.order_state;
DROP DOMAIN orders.saga_status;
DROP DOMAIN orders.sha256;
DROP DOMAIN orders.text_1_255;
DROP DOMAIN orders.text_1_160;
DROP DOMAIN orders.text_1_64;
DROP DOMAIN orders.currency;
DROP DOMAIN orders.ulid;
