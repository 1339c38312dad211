-- +goose Up

-- Idempotency keys are purged once expired and their saga has ended (Store.PurgeIdempotencyKeys);
-- the saga keeps scope and idempotency_key for the record, so the foreign key goes. What it
-- guarded, that a saga is created with its key, claimKey does in one statement and the
-- trigger below checks on every insert.
ALTER TABLE orders.saga DROP CONSTRAINT saga_scope_idempotency_key_fkey;

-- +goose StatementBegin
CREATE FUNCTION orders.saga_has_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM orders.idempotency_key WHERE scope = NEW.scope AND key = NEW.idempotency_key) THEN
        RAISE EXCEPTION 'saga % has no idempotency key', NEW.id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A constraint trigger fires at the end of the statement, so it sees the key that claimKey's
-- CTE inserts together with the saga.
CREATE CONSTRAINT TRIGGER saga_has_key AFTER INSERT ON orders.saga
    FOR EACH ROW EXECUTE FUNCTION orders.saga_has_key();

-- The purge walks expired keys whose outcome is stored (the saga ended), oldest first.
CREATE INDEX idempotency_key_expired ON orders.idempotency_key (expires_at) WHERE response IS NOT NULL;

-- +goose Down
DROP INDEX orders.idempotency_key_expired;
DROP TRIGGER saga_has_key ON orders.saga;
DROP FUNCTION orders.saga_has_key();
-- Sagas whose keys were purged would fail the check, so the key comes back unvalidated.
ALTER TABLE orders.saga ADD CONSTRAINT saga_scope_idempotency_key_fkey
    FOREIGN KEY (scope, idempotency_key) REFERENCES orders.idempotency_key (scope, key) NOT VALID;
