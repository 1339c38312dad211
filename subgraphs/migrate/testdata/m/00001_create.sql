-- +goose Up
CREATE TABLE probe.thing (id text PRIMARY KEY);

-- +goose Down
DROP TABLE probe.thing;
