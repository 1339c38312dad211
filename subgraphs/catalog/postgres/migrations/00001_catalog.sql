-- +goose Up
-- Ids are ULIDs in their 26-character text form; the "C" collation compares them bytewise,
-- which is both their time order and the cheapest comparison.

CREATE TABLE catalog.brand (
    id   text COLLATE "C" PRIMARY KEY CHECK (length(id) = 26),
    name text NOT NULL,
    slug text NOT NULL UNIQUE
);

CREATE TABLE catalog.category (
    id        text COLLATE "C" PRIMARY KEY CHECK (length(id) = 26),
    parent_id text COLLATE "C" REFERENCES catalog.category (id),
    name      text NOT NULL,
    slug      text NOT NULL UNIQUE,
    position  int  NOT NULL DEFAULT 0
);
CREATE INDEX category_parent_idx ON catalog.category (parent_id, position);

CREATE TABLE catalog.product (
    id           text COLLATE "C" PRIMARY KEY CHECK (length(id) = 26),
    title        text NOT NULL,
    description  text NOT NULL,
    brand_id     text COLLATE "C" REFERENCES catalog.brand (id),
    category_id  text COLLATE "C" REFERENCES catalog.category (id),
    media        jsonb NOT NULL DEFAULT '[]',
    currency     char(3) NOT NULL,
    -- Lowest variant price, denormalised so listings sort and filter by price on an index.
    price_min    bigint NOT NULL CHECK (price_min >= 0),
    rating_count int NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_sum   int NOT NULL DEFAULT 0 CHECK (rating_sum >= 0),
    -- Average rating in hundredths, the RATING sort key; 0 without reviews sorts them last.
    rating_score int GENERATED ALWAYS AS
        (CASE WHEN rating_count = 0 THEN 0 ELSE rating_sum * 100 / rating_count END) STORED,
    created_at   timestamptz NOT NULL
);
-- One index per sort order, each ending with the id so keyset pages seek straight to the
-- cursor: (key, id) > (cursor key, cursor id). Descending orders scan them backwards.
CREATE INDEX product_newest_idx ON catalog.product (created_at, id);
CREATE INDEX product_price_idx  ON catalog.product (price_min, id);
CREATE INDEX product_title_idx  ON catalog.product (title, id);
CREATE INDEX product_rating_idx ON catalog.product (rating_score, id);
-- Filters: a category (with its descendants) or a brand narrows a listing to a few percent of
-- the catalog; these let the planner fetch those rows instead of walking a sort index.
CREATE INDEX product_category_newest_idx ON catalog.product (category_id, created_at, id);
CREATE INDEX product_brand_newest_idx    ON catalog.product (brand_id, created_at, id);

CREATE TABLE catalog.variant (
    sku          text COLLATE "C" PRIMARY KEY,
    product_id   text COLLATE "C" NOT NULL REFERENCES catalog.product (id),
    position     int  NOT NULL,
    title        text NOT NULL,
    options      jsonb NOT NULL DEFAULT '[]',
    price        bigint NOT NULL CHECK (price >= 0),
    weight_grams int  NOT NULL CHECK (weight_grams >= 0),
    UNIQUE (product_id, position)
);

CREATE TABLE catalog.review (
    id          text COLLATE "C" PRIMARY KEY CHECK (length(id) = 26),
    product_id  text COLLATE "C" NOT NULL REFERENCES catalog.product (id),
    rating      smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title       text NOT NULL,
    body        text NOT NULL,
    author_name text NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX review_product_idx ON catalog.review (product_id, created_at DESC, id DESC);

-- +goose Down
DROP TABLE catalog.review;
DROP TABLE catalog.variant;
DROP TABLE catalog.product;
DROP TABLE catalog.category;
DROP TABLE catalog.brand;
