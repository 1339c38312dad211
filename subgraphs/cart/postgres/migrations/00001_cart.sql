-- +goose Up

-- A cart belongs to exactly one of a customer (customer_id, one cart each) or a guest
-- (guest_token_hash: the SHA-256 of the token the guest holds; the token is never stored).
-- version grows with every change; a change quotes the version it read and is refused when
-- the cart moved on (UPDATE ... WHERE version = $quoted).
CREATE TABLE cart.cart (
    id               text PRIMARY KEY CHECK (id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    customer_id      text UNIQUE CHECK (length(customer_id) BETWEEN 1 AND 128),
    guest_token_hash bytea UNIQUE CHECK (length(guest_token_hash) = 32),
    version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((customer_id IS NULL) <> (guest_token_hash IS NULL))
);

-- One line per SKU. The unit price is a snapshot of the catalog price when the line was last
-- added to; checkout compares it with the price then.
CREATE TABLE cart.line (
    cart_id    text NOT NULL REFERENCES cart.cart (id) ON DELETE CASCADE,
    sku        text COLLATE "C" NOT NULL CHECK (length(sku) BETWEEN 1 AND 64),
    quantity   integer NOT NULL CHECK (quantity BETWEEN 1 AND 999),
    unit_price bigint NOT NULL CHECK (unit_price >= 0),
    currency   text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    added_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cart_id, sku)
);

-- The client mutation ids a cart has applied, so a retried change is a no-op. request_hash
-- tells a retry from a reused id with another payload.
CREATE TABLE cart.mutation (
    cart_id            text NOT NULL REFERENCES cart.cart (id) ON DELETE CASCADE,
    client_mutation_id text NOT NULL CHECK (length(client_mutation_id) BETWEEN 1 AND 128),
    request_hash       bytea NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cart_id, client_mutation_id)
);

-- +goose Down
DROP TABLE cart.mutation;
DROP TABLE cart.line;
DROP TABLE cart.cart;
