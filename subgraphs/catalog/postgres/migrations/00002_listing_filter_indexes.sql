-- +goose Up
-- A listing filtered by one category or one brand reads the matching products already in
-- sort order: without these, a selective filter walks the global sort index and discards
-- most rows (seconds on a million products) or sorts every match.
CREATE INDEX product_category_price_idx  ON catalog.product (category_id, price_min, id);
CREATE INDEX product_category_title_idx  ON catalog.product (category_id, title, id);
CREATE INDEX product_category_rating_idx ON catalog.product (category_id, rating_score, id);
CREATE INDEX product_brand_price_idx     ON catalog.product (brand_id, price_min, id);
CREATE INDEX product_brand_title_idx     ON catalog.product (brand_id, title, id);
CREATE INDEX product_brand_rating_idx    ON catalog.product (brand_id, rating_score, id);

-- +goose Down
DROP INDEX catalog.product_category_price_idx;
DROP INDEX catalog.product_category_title_idx;
DROP INDEX catalog.product_category_rating_idx;
DROP INDEX catalog.product_brand_price_idx;
DROP INDEX catalog.product_brand_title_idx;
DROP INDEX catalog.product_brand_rating_idx;
