-- +goose Up
-- What an account may do beyond shopping: staff edit the catalog. Everyone signed up is a customer.
ALTER TABLE identity.customer
    ADD COLUMN role text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'staff'));

-- +goose Down
ALTER TABLE identity.customer DROP COLUMN role;
