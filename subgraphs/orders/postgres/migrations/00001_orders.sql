-- +goose Up

-- One row per (scope, idempotency key) of checkout: scope is the customer, or the cart of a
-- guest. The row is inserted first, in its own transaction, so a duplicate request finds it and
-- never runs the saga twice. response holds the outcome once it is final; request_hash tells a
-- retry from a reused key with another payload.
CREATE TABLE orders.idempotency_key (
    scope        text NOT NULL CHECK (length(scope) BETWEEN 1 AND 160),
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash bytea NOT NULL CHECK (length(request_hash) = 32),
    order_id     text NOT NULL UNIQUE,
    response     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);

-- The checkout saga of one order (the saga id is the order id). step is the last step that
-- completed; status says whether it runs forward, compensates, or ended. lease_token and
-- locked_until give one runner at a time: the request that started it, or the recovery worker
-- once the lease has run out.
CREATE TABLE orders.saga (
    id              text PRIMARY KEY CHECK (id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    scope           text NOT NULL,
    idempotency_key text NOT NULL,
    customer_id     text,
    cart_id         text NOT NULL,
    cart_version    integer NOT NULL DEFAULT 0,
    step            text NOT NULL,
    forward_step    text NOT NULL,
    status          text NOT NULL CHECK (status IN ('RUNNING', 'COMPENSATING', 'COMPLETED', 'FAILED')),
    attempts        integer NOT NULL DEFAULT 0,
    last_error      text,
    -- What checkout was asked for and what validation settled: lines, prices, address.
    plan            jsonb NOT NULL,
    -- Needed only to settle an authorization whose outcome a crash left unknown; erased when
    -- the saga ends.
    payment_method  text,
    failure         jsonb,
    lease_token     text,
    locked_until    timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (scope, idempotency_key) REFERENCES orders.idempotency_key (scope, key)
);

-- The recovery worker claims sagas that have not ended and whose lease ran out.
CREATE INDEX saga_unfinished ON orders.saga (locked_until) WHERE status IN ('RUNNING', 'COMPENSATING');

CREATE TABLE orders."order" (
    id                text PRIMARY KEY REFERENCES orders.saga (id),
    customer_id       text,
    cart_id           text NOT NULL,
    status            text NOT NULL CHECK (status IN ('PLACED', 'PAID', 'FULFILLING', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'RETURNED')),
    currency          text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal          bigint NOT NULL CHECK (subtotal >= 0),
    shipping          bigint NOT NULL CHECK (shipping >= 0),
    total             bigint NOT NULL CHECK (total > 0),
    delivery_option   text NOT NULL,
    shipping_address  jsonb NOT NULL,
    placed_at         timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- A customer's orders, newest first, paged by id (ULIDs sort by creation).
CREATE INDEX order_by_customer ON orders."order" (customer_id, id DESC) WHERE customer_id IS NOT NULL;

CREATE TABLE orders.order_line (
    order_id   text NOT NULL REFERENCES orders."order" (id),
    position   integer NOT NULL,
    sku        text NOT NULL CHECK (length(sku) BETWEEN 1 AND 64),
    quantity   integer NOT NULL CHECK (quantity > 0),
    unit_price bigint NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, position)
);

-- Every status an order went through, append-only.
CREATE TABLE orders.order_status (
    order_id   text NOT NULL REFERENCES orders."order" (id),
    seq        integer NOT NULL,
    status     text NOT NULL,
    reason     text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, seq)
);

-- Events of the orders domain, relayed to the bus (subgraphs/outbox).
CREATE TABLE orders.outbox (
    id         text PRIMARY KEY,
    type       text NOT NULL,
    key        text NOT NULL,
    payload    jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz
);
CREATE INDEX outbox_unsent ON orders.outbox (id) WHERE sent_at IS NULL;

-- +goose Down
DROP TABLE orders.outbox;
DROP TABLE orders.order_status;
DROP TABLE orders.order_line;
DROP TABLE orders."order";
DROP TABLE orders.saga;
DROP TABLE orders.idempotency_key;
