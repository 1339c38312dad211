-- +goose Up

-- One payment per order. The amounts summarise the ledger; status follows the state machine in
-- subgraphs/payments (rules.go). lease_token/lease_until let one caller at a time talk to the
-- provider about the order: the lease outlives the provider timeout, so a crashed caller
-- blocks the payment only until it runs out.
CREATE TABLE payments.intent (
    id                 text PRIMARY KEY CHECK (id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    order_id           text NOT NULL UNIQUE CHECK (order_id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    customer_id        text CHECK (length(customer_id) BETWEEN 1 AND 64),
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status             text NOT NULL CHECK (status IN ('REQUIRES_AUTHORIZATION', 'AUTHORIZED', 'CAPTURED',
                           'VOIDED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'FAILED')),
    provider           text NOT NULL CHECK (provider <> ''),
    provider_reference text,
    authorized_amount  bigint NOT NULL DEFAULT 0 CHECK (authorized_amount BETWEEN 0 AND amount),
    captured_amount    bigint NOT NULL DEFAULT 0 CHECK (captured_amount BETWEEN 0 AND authorized_amount),
    refunded_amount    bigint NOT NULL DEFAULT 0 CHECK (refunded_amount BETWEEN 0 AND captured_amount),
    pending_operation  text CHECK (pending_operation IN ('AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND')),
    lease_token        text,
    lease_until        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Every operation asked for, once per (order, operation): the idempotency record. A retry
-- finds its row (INSERT ... ON CONFLICT) and gets the recorded outcome, or, while the outcome
-- is unknown (PENDING), asks the provider again under the same idempotency key.
-- request_hash covers the whole request (including the payment method, which is not stored),
-- so the same order and operation with another payload is refused rather than replayed.
CREATE TABLE payments.operation (
    order_id           text NOT NULL REFERENCES payments.intent (order_id),
    operation          text NOT NULL CHECK (operation IN ('AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND')),
    request_hash       bytea NOT NULL,
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status             text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SUCCEEDED', 'DECLINED')),
    provider_reference text,
    decline_reason     text,
    decline_message    text,
    tries              integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, operation)
);

-- What the provider confirmed, one row per succeeded operation. Never updated or deleted: the
-- triggers below refuse it, so the books can be rebuilt from this table alone.
CREATE TABLE payments.ledger_entry (
    id                 text PRIMARY KEY CHECK (id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    intent_id          text NOT NULL REFERENCES payments.intent (id),
    order_id           text NOT NULL,
    operation          text NOT NULL CHECK (operation IN ('AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND')),
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    provider_reference text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, operation)
);

-- Payment.events lists an intent's entries in order.
CREATE INDEX ledger_entry_by_intent ON payments.ledger_entry (intent_id, created_at, id);

-- +goose StatementBegin
CREATE FUNCTION payments.refuse_ledger_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payments.ledger_entry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON payments.ledger_entry
    FOR EACH ROW EXECUTE FUNCTION payments.refuse_ledger_change();

CREATE TRIGGER ledger_entry_no_truncate
    BEFORE TRUNCATE ON payments.ledger_entry
    FOR EACH STATEMENT EXECUTE FUNCTION payments.refuse_ledger_change();

-- +goose Down
DROP TABLE payments.ledger_entry;
DROP FUNCTION payments.refuse_ledger_change();
DROP TABLE payments.operation;
DROP TABLE payments.intent;
