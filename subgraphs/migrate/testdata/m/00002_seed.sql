-- +goose Up
INSERT INTO probe.thing (id) VALUES ('a');

-- +goose Down
DELETE FROM probe.thing;
