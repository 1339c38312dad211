-- +goose Up

-- IDs are ULIDs (Crockford base32, 26 characters); the check keeps sequence numbers and
-- typos out of the table.
CREATE TABLE inventory.fulfillment_center (
    id         text PRIMARY KEY CHECK (id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    code       text NOT NULL UNIQUE CHECK (code <> ''),
    name       text NOT NULL CHECK (name <> ''),
    latitude   double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude  double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per SKU a center has ever stocked. The primary key serves the batched
-- availability lookup (sku = ANY($1)).
CREATE TABLE inventory.stock (
    sku                   text NOT NULL CHECK (sku <> '' AND length(sku) <= 64),
    fulfillment_center_id text NOT NULL REFERENCES inventory.fulfillment_center (id),
    on_hand               integer NOT NULL CHECK (on_hand >= 0),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sku, fulfillment_center_id)
);

-- Units set aside for a checkout in progress. An ACTIVE hold counts against availability
-- until it expires; checkout confirms it (the units leave stock) or releases it.
CREATE TABLE inventory.hold (
    id                    text PRIMARY KEY CHECK (id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    order_id              text NOT NULL,
    sku                   text NOT NULL,
    fulfillment_center_id text NOT NULL,
    quantity              integer NOT NULL CHECK (quantity > 0),
    status                text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'CONFIRMED', 'RELEASED')),
    expires_at            timestamptz NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (sku, fulfillment_center_id) REFERENCES inventory.stock (sku, fulfillment_center_id)
);

-- Availability sums the active holds of each (sku, center); only active holds are indexed,
-- and quantity and expiry are included so the sum is an index-only scan.
CREATE INDEX hold_active_by_stock ON inventory.hold (sku, fulfillment_center_id)
    INCLUDE (quantity, expires_at) WHERE status = 'ACTIVE';

-- Checkout confirms or releases all holds of an order.
CREATE INDEX hold_by_order ON inventory.hold (order_id);

-- The sweeper releases active holds past their expiry.
CREATE INDEX hold_active_by_expiry ON inventory.hold (expires_at) WHERE status = 'ACTIVE';

-- +goose Down
DROP TABLE inventory.hold;
DROP TABLE inventory.stock;
DROP TABLE inventory.fulfillment_center;
