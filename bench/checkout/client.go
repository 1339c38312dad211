package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// client posts GraphQL operations to the gateway. One keep-alive connection per worker is
// enough: the benchmark measures the store, not connection setup.
type client struct {
	url  string
	http *http.Client
}

func newClient(url string, conns int) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns * 2
	tr.MaxIdleConnsPerHost = conns * 2
	tr.MaxConnsPerHost = 0
	return &client{url: url, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// auth is who a request speaks for: a customer's bearer token, a guest's cart token, or neither.
type auth struct {
	bearer    string
	cartToken string
}

func (a auth) apply(h http.Header) {
	if a.bearer != "" {
		h.Set("Authorization", "Bearer "+a.bearer)
	}
	if a.cartToken != "" {
		h.Set("X-Cart-Token", a.cartToken)
	}
}

type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

type userError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// requestError is a failure below the business level: the transport, an HTTP status, or a
// GraphQL error. code is what the result table counts it under.
type requestError struct {
	code   string
	detail string
}

func (e *requestError) Error() string { return e.code + ": " + e.detail }

// do runs one operation and decodes data into out. Any GraphQL error fails the call, since
// every operation here expects data; business refusals arrive in userErrors instead.
func (c *client) do(ctx context.Context, a auth, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	a.apply(req.Header)
	resp, err := c.http.Do(req)
	if err != nil {
		return &requestError{code: "TRANSPORT", detail: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return &requestError{code: "TRANSPORT", detail: err.Error()}
	}
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return &requestError{code: fmt.Sprintf("HTTP_%d", resp.StatusCode), detail: truncate(string(raw), 200)}
	}
	if len(env.Errors) > 0 {
		code := env.Errors[0].Extensions.Code
		if code == "" {
			code = "GRAPHQL_ERROR"
		}
		return &requestError{code: code, detail: env.Errors[0].Message}
	}
	if resp.StatusCode != http.StatusOK {
		return &requestError{code: fmt.Sprintf("HTTP_%d", resp.StatusCode), detail: truncate(string(raw), 200)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("decode data: %w", err)
	}
	return nil
}

// refused turns userErrors into an error for setup steps, where any refusal is fatal.
func refused(op string, errs []userError) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s: %s", op, errs[0].Code, errs[0].Message)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
