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
// as subject, valid for TokenTTL.
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

// Issue returns a token for the customer and when it expires.
func (t *Tokens) Issue(customerID string) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(TokenTTL)
	claims := jwt.RegisteredClaims{
		Issuer:    tokenIssuer,
		Subject:   customerID,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return s, exp.Truncate(time.Second), nil
}

// Verify returns the customer id a valid token names, or ErrInvalidToken.
func (t *Tokens) Verify(token string) (string, error) {
	var claims jwt.RegisteredClaims
	_, err := t.parser.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return t.key, nil })
	if err != nil || claims.Subject == "" {
		return "", ErrInvalidToken
	}
	return claims.Subject, nil
}
