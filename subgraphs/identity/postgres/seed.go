package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oklog/ulid/v2"

	"github.com/shopgraph/shopgraph/subgraphs/identity"
	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// SeedPassword is the password of every seeded customer.
const SeedPassword = "shopgraph"

// seedEpoch dates the seeded customers, so their ids are the same on every run.
var seedEpoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

var (
	seedFirstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Niklaus"}
	seedLastNames  = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Wirth"}
)

// SeedEmail is the email of the i-th seeded customer (from 1).
func SeedEmail(i int) string { return fmt.Sprintf("customer%d@example.com", i) }

// SeedCustomerID is the id of the i-th seeded customer (from 1): the same on every run.
func SeedCustomerID(i int) string {
	entropy := sha256.Sum256([]byte(SeedEmail(i)))
	return ulid.MustNew(ulid.Timestamp(seedEpoch.Add(time.Duration(i)*time.Millisecond)), bytes.NewReader(entropy[:])).String()
}

// Seed adds customers customer1@example.com … customer<n>@example.com with the password
// SeedPassword. Customers already there are left as they are, so seeding twice is harmless.
func Seed(ctx context.Context, pool *pgxpool.Pool, customers int) error {
	if customers < 0 {
		return fmt.Errorf("seed identity: customers must not be negative")
	}
	// One hash for all: bcrypt is slow by design, and the seeded accounts share a password anyway.
	hash, err := identity.HashPassword(SeedPassword)
	if err != nil {
		return fmt.Errorf("seed identity: %w", err)
	}
	ids := make([]string, customers)
	emails := make([]string, customers)
	names := make([]string, customers)
	for i := range customers {
		n := i + 1
		ids[i], emails[i] = SeedCustomerID(n), SeedEmail(n)
		names[i] = seedFirstNames[i%len(seedFirstNames)] + " " + seedLastNames[(i/len(seedFirstNames))%len(seedLastNames)]
	}
	_, err = pool.Exec(ctx, `
		INSERT INTO identity.customer (id, email, name, password_hash, created_at)
		SELECT id, email, name, $4, $5 FROM unnest($1::text[], $2::text[], $3::text[]) AS s (id, email, name)
		ON CONFLICT DO NOTHING`,
		ids, emails, names, hash, seedEpoch)
	if err != nil {
		return fmt.Errorf("seed identity: %w", err)
	}
	return nil
}

// The seeded staff account, which may edit the catalog. Its password is public: a deployment
// must change it or remove the account.
const (
	StaffEmail    = "staff@shopgraph.dev"
	StaffPassword = "shopgraph-staff"
	staffName     = "Store Staff"
)

// StaffID is the id of the seeded staff account: the same on every run.
func StaffID() string {
	entropy := sha256.Sum256([]byte(StaffEmail))
	return ulid.MustNew(ulid.Timestamp(seedEpoch), bytes.NewReader(entropy[:])).String()
}

// SeedStaff adds the staff account StaffEmail with StaffPassword. An account already there is
// left as it is, so seeding twice is harmless.
func SeedStaff(ctx context.Context, pool *pgxpool.Pool) error {
	hash, err := identity.HashPassword(StaffPassword)
	if err != nil {
		return fmt.Errorf("seed staff: %w", err)
	}
	_, err = pool.Exec(ctx, `
		INSERT INTO identity.customer (id, email, name, password_hash, role, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT DO NOTHING`,
		StaffID(), StaffEmail, staffName, hash, trust.RoleStaff, seedEpoch)
	if err != nil {
		return fmt.Errorf("seed staff: %w", err)
	}
	return nil
}
