package trust

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TokenTTL is how long a bearer token issued at login stays valid.
const TokenTTL = 24 * time.Hour

// tokenIssuer names the store as the issuer, so a token another system signed with a shared
// key by mistake is still refused.
const tokenIssuer = "shopgraph"

// ErrInvalidToken is any bearer token that does not prove a customer: malformed, signed with
// another key or algorithm, expired, or issued for something else.
var ErrInvalidToken = errors.New("invalid or expired token")

// Tokens issues and checks customers' bearer tokens: JWTs signed with HS256, the customer id
// as subject and the account's role in a "role" claim, valid for TokenTTL.
type Tokens struct {
	key    []byte
	now    func() time.Time
	parser *jwt.Parser
}

// NewTokens returns Tokens with the signing secret.
func NewTokens(secret []byte) *Tokens {
	t := &Tokens{key: append([]byte(nil), secret...), now: time.Now}
	t.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(tokenIssuer),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return t.now() }),
	)
	return t
}

// claims are a token's: the registered ones and the role.
type claims struct {
	jwt.RegisteredClaims
	Role string `json:"role,omitempty"`
}

// Issue returns a token for a customer (role RoleCustomer) and when it expires.
func (t *Tokens) Issue(customerID string) (string, time.Time, error) {
	return t.IssueCaller(Caller{CustomerID: customerID, Role: RoleCustomer})
}

// IssueCaller returns a token for the account and its role, and when it expires.
func (t *Tokens) IssueCaller(c Caller) (string, time.Time, error) {
	if c.CustomerID == "" || !ValidRole(c.Role) {
		return "", time.Time{}, fmt.Errorf("issue token: account %q with role %q", c.CustomerID, c.Role)
	}
	now := t.now()
	exp := now.Add(TokenTTL)
	cl := claims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    tokenIssuer,
		Subject:   c.CustomerID,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}, Role: c.Role}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, cl).SignedString(t.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return s, exp.Truncate(time.Second), nil
}

// Verify returns the customer id a valid token names, or ErrInvalidToken.
func (t *Tokens) Verify(token string) (string, error) {
	c, err := t.VerifyCaller(token)
	return c.CustomerID, err
}

// VerifyCaller returns the account and role a valid token names, or ErrInvalidToken. A token
// without a role claim is a customer's; one with a role the store does not know is invalid.
func (t *Tokens) VerifyCaller(token string) (Caller, error) {
	var c claims
	_, err := t.parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.key, nil })
	if err != nil || c.Subject == "" {
		return Caller{}, ErrInvalidToken
	}
	if c.Role == "" {
		c.Role = RoleCustomer
	}
	if !ValidRole(c.Role) {
		return Caller{}, ErrInvalidToken
	}
	return Caller{CustomerID: c.Subject, Role: c.Role}, nil
}
