// Package identity is the store's customers and how they sign in: a password checked against
// a bcrypt hash buys a bearer token (trust.Tokens) that the gateway verifies on every request.
package identity

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/shopgraph/shopgraph/subgraphs/trust"
)

// Stable codes that callers branch on.
const (
	CodeBadUserInput       = "BAD_USER_INPUT"
	CodeInvalidCredentials = "INVALID_CREDENTIALS"
	CodeNotFound           = "NOT_FOUND"
)

// Input limits. bcrypt reads at most 72 bytes of a password; a longer one is refused rather
// than silently truncated.
const (
	MaxEmailLength    = 254
	MaxPasswordLength = 72
	MaxNameLength     = 200
)

// PasswordCost is the bcrypt work factor of stored hashes.
const PasswordCost = bcrypt.DefaultCost

// Customer is a signed-up shopper.
type Customer struct {
	ID           string
	Email        string // lowercased
	Name         string
	PasswordHash []byte
	Role         string // trust.RoleCustomer or trust.RoleStaff
	CreatedAt    time.Time
}

// Store reads customers.
type Store interface {
	// CustomerByEmail returns the customer with the (normalised) email, or nil.
	CustomerByEmail(ctx context.Context, email string) (*Customer, error)
	// CustomersByID returns the customers that exist among ids, keyed by id.
	CustomersByID(ctx context.Context, ids []string) (map[string]Customer, error)
}

// InputError is a malformed request. Its message is safe to show.
type InputError struct {
	Field   string
	Message string
}

func (e *InputError) Error() string { return e.Message }

// UserErrorCode is the stable code the GraphQL layer reports.
func (e *InputError) UserErrorCode() string { return CodeBadUserInput }

// Rejection is an expected outcome reported in a payload's userErrors.
type Rejection struct {
	Code    string
	Message string
}

func (e *Rejection) Error() string { return e.Message }

// UserErrorCode is the stable code the GraphQL layer reports.
func (e *Rejection) UserErrorCode() string { return e.Code }

// errInvalidCredentials never says whether the email or the password was wrong, so login
// cannot be used to find out who has an account.
var errInvalidCredentials = &Rejection{Code: CodeInvalidCredentials, Message: "email or password is incorrect"}

// NormalizeEmail trims and lowercases an address and checks that it is one.
func NormalizeEmail(field, email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	if e == "" || len(e) > MaxEmailLength {
		return "", &InputError{Field: field, Message: fmt.Sprintf("email must be 1 to %d bytes", MaxEmailLength)}
	}
	if a, err := mail.ParseAddress(e); err != nil || a.Address != e {
		return "", &InputError{Field: field, Message: "email is not a valid address"}
	}
	return e, nil
}

// HashPassword returns the bcrypt hash of a password.
func HashPassword(password string) ([]byte, error) {
	if len(password) > MaxPasswordLength {
		return nil, &InputError{Field: "password", Message: fmt.Sprintf("password must be at most %d bytes", MaxPasswordLength)}
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), PasswordCost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// dummyHash is compared against when the email is unknown, so a login takes about as long
// whether or not the account exists.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("no account has this password"), PasswordCost)
	if err != nil {
		panic(fmt.Sprintf("identity: hash the dummy password: %v", err)) // only fails for bad costs
	}
	return h
})

// Service signs customers in.
type Service struct {
	store  Store
	tokens *trust.Tokens
}

// NewService returns a Service that issues tokens with tokens.
func NewService(store Store, tokens *trust.Tokens) *Service {
	return &Service{store: store, tokens: tokens}
}

// Session is what a successful login returns.
type Session struct {
	Customer  Customer
	Token     string
	ExpiresAt time.Time
}

// Login checks the password and issues a token. A wrong email or password is a *Rejection
// with INVALID_CREDENTIALS; a malformed email or an over-long password is an *InputError.
func (s *Service) Login(ctx context.Context, email, password string) (Session, error) {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return Session{}, err
	}
	if password == "" || len(password) > MaxPasswordLength {
		return Session{}, &InputError{Field: "password", Message: fmt.Sprintf("password must be 1 to %d bytes", MaxPasswordLength)}
	}
	c, err := s.store.CustomerByEmail(ctx, email)
	if err != nil {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	hash := dummyHash()
	if c != nil {
		hash = c.PasswordHash
	}
	err = bcrypt.CompareHashAndPassword(hash, []byte(password))
	if c == nil || errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
		return Session{}, errInvalidCredentials
	}
	if err != nil {
		// A stored hash bcrypt cannot read is our fault, not the shopper's.
		return Session{}, fmt.Errorf("login %s: compare password: %w", c.ID, err)
	}
	role := c.Role
	if role == "" {
		role = trust.RoleCustomer
	}
	token, exp, err := s.tokens.IssueCaller(trust.Caller{CustomerID: c.ID, Role: role})
	if err != nil {
		return Session{}, err
	}
	return Session{Customer: *c, Token: token, ExpiresAt: exp}, nil
}

// Customer returns the customer with the id, or nil when there is none.
func (s *Service) Customer(ctx context.Context, id string) (*Customer, error) {
	found, err := s.store.CustomersByID(ctx, []string{id})
	if err != nil {
		return nil, fmt.Errorf("customer %s: %w", id, err)
	}
	c, ok := found[id]
	if !ok {
		return nil, nil
	}
	return &c, nil
}

// ErrCustomerNotFound is a customer the caller may not see, whether or not it exists.
var ErrCustomerNotFound = &Rejection{Code: CodeNotFound, Message: "customer not found"}
