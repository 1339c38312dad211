package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/shopgraph/shopgraph/gateway/cost"
	"github.com/shopgraph/shopgraph/gateway/execute"
	"github.com/shopgraph/shopgraph/gateway/operation"
	"github.com/shopgraph/shopgraph/gateway/partner"
	"github.com/shopgraph/shopgraph/gateway/plan"
	"github.com/shopgraph/shopgraph/gateway/quota"
)

// Stable extensions.code values of the edge policies.
const (
	CodeUnauthenticated       = "UNAUTHENTICATED"
	CodeInvalidAPIKey         = "INVALID_API_KEY"
	CodeRateLimited           = "RATE_LIMITED"
	CodeQuotaUnavailable      = "QUOTA_UNAVAILABLE"
	CodeCostLimitExceeded     = "COST_LIMIT_EXCEEDED"
	CodeIntrospectionDisabled = "INTROSPECTION_DISABLED"
	CodeForbidden             = "FORBIDDEN"
)

// Policy is what one endpoint lets a caller do beyond what the schema allows.
type Policy struct {
	// Limits bound depth and aliases. For the storefront, zero fields take Config.Limits;
	// for partners, PartnerDefaultLimits.
	Limits operation.Limits
	// MaxCost refuses, before any subgraph call, an operation whose estimated cost (see
	// gateway/cost) is higher, with COST_LIMIT_EXCEEDED. Zero turns the check off; a partner
	// key's own MaxCost replaces it.
	MaxCost int
	// Cost tunes the estimate (default list size, slicing arguments).
	Cost cost.Options
	// Quota counts requests per caller in Redis; nil turns quotas off. Whether a Redis outage
	// lets requests through is the limiter's FailOpen.
	Quota *quota.Limiter
	// QuotaRate is every caller's rate on the storefront, and the rate of a partner key that
	// has none of its own.
	QuotaRate quota.Rate
	// Caller names the storefront caller a quota counts (default: the client IP of the
	// connection). Partners are counted by key.
	Caller func(r *http.Request) string
	// DisableIntrospection refuses __schema and __type with INTROSPECTION_DISABLED.
	DisableIntrospection bool
	// MaskErrors replaces the messages of errors raised while executing (subgraph errors,
	// null propagation) with a generic one, keeping extensions.code and the response path
	// and dropping every other extension (serviceName, ...).
	MaskErrors bool
}

// PartnerConfig serves /partner/graphql: the same graph and pipeline as /graphql, for callers
// with an API key. Introspection is always off there and errors are always masked.
type PartnerConfig struct {
	Policy
	// Keys authenticates API keys (required).
	Keys *partner.Keys
	// Scopes maps scopes to the root fields they grant (default partner.DefaultScopes).
	Scopes partner.Scopes
}

// PartnerDefaultLimits are the partner endpoint's depth and alias limits when unset.
var PartnerDefaultLimits = operation.Limits{MaxDepth: 10, MaxAliases: 10}

// endpoint is a Policy ready to apply.
type endpoint struct {
	Policy
	estimator *cost.Estimator // nil when no cost limit can apply
	keys      *partner.Keys   // nil on the storefront
	scopes    partner.Scopes
}

// setPolicies installs the storefront policy on g and builds the partner endpoint.
func (g *Gateway) setPolicies(cfg Config, sdl string) error {
	sf := cfg.Storefront
	if sf.Limits.MaxDepth == 0 {
		sf.Limits.MaxDepth = cfg.Limits.MaxDepth
	}
	if sf.Limits.MaxAliases == 0 {
		sf.Limits.MaxAliases = cfg.Limits.MaxAliases
	}
	g.limits = sf.Limits
	if sf.MaxCost > 0 || sf.Quota != nil || sf.DisableIntrospection || sf.MaskErrors {
		ep := &endpoint{Policy: sf}
		if sf.MaxCost > 0 {
			e, err := cost.New(g.sg.API, sdl, sf.Cost)
			if err != nil {
				return err
			}
			ep.estimator = e
		}
		g.policy = ep
	}
	pc := cfg.Partner
	if pc == nil {
		return nil
	}
	if pc.Keys == nil {
		return fmt.Errorf("partner endpoint: no key store")
	}
	ep := &endpoint{Policy: pc.Policy, keys: pc.Keys, scopes: pc.Scopes}
	ep.DisableIntrospection, ep.MaskErrors = true, true
	if ep.scopes == nil {
		ep.scopes = partner.DefaultScopes
	}
	if ep.Limits.MaxDepth == 0 {
		ep.Limits.MaxDepth = PartnerDefaultLimits.MaxDepth
	}
	if ep.Limits.MaxAliases == 0 {
		ep.Limits.MaxAliases = PartnerDefaultLimits.MaxAliases
	}
	e, err := cost.New(g.sg.API, sdl, pc.Cost)
	if err != nil {
		return err
	}
	ep.estimator = e
	p := *g
	p.limits = ep.Limits
	p.docs = plan.NewCache[*parsedDoc](cfg.PlanCacheSize) // parsing enforces this endpoint's limits
	p.inbound = nil                                       // keys differ in scopes and cost ceilings: no shared executions
	p.policy = ep
	p.partner = nil
	p.edge = g.edge.forEndpoint(&p, "partner")
	g.partner = &p
	return nil
}

// Partner is the handler of /partner/graphql, or nil when Config.Partner is unset.
func (g *Gateway) Partner() http.Handler {
	if g.partner == nil {
		return nil
	}
	return g.partner
}

// admitRequest applies the endpoint's key check and quota before the request is read. It
// writes the refusal and returns false, or returns the request to serve: on the partner
// endpoint, without the key's headers (they never reach a subgraph) and with the key in its
// context.
func (g *Gateway) admitRequest(w http.ResponseWriter, r *http.Request, media string) (*http.Request, bool) {
	ep := g.policy
	if ep == nil {
		return r, true
	}
	caller, rate := "", ep.QuotaRate
	if ep.keys != nil {
		secret := partner.SecretFromRequest(r)
		if secret == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="partner"`)
			writeErrors(w, media, http.StatusUnauthorized, CodeUnauthenticated, "an API key is required: Authorization: Bearer sg_... or X-API-Key")
			return nil, false
		}
		key, err := ep.keys.Authenticate(r.Context(), secret)
		if errors.Is(err, partner.ErrInvalidKey) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="partner", error="invalid_token"`)
			writeErrors(w, media, http.StatusUnauthorized, CodeInvalidAPIKey, "the API key is unknown or revoked")
			return nil, false
		}
		if err != nil {
			g.log.Error("API key lookup failed", "err", err)
			writeErrors(w, media, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "the API key could not be checked; retry later")
			return nil, false
		}
		caller = "partner:" + key.ID
		if !key.Quota.IsZero() {
			rate = key.Quota
		}
		r = r.Clone(partner.WithKey(r.Context(), key))
		r.Header.Del("Authorization")
		r.Header.Del("X-API-Key")
	} else if ep.Caller != nil {
		caller = "storefront:" + ep.Caller(r)
	} else {
		caller = "storefront:" + clientIP(r)
	}
	if ep.Quota == nil {
		return r, true
	}
	d, err := ep.Quota.Allow(r.Context(), caller, rate)
	d.WriteHeaders(w.Header())
	if err != nil {
		g.log.Warn("quota check failed: refusing", "err", err)
		w.Header().Set("Retry-After", "1")
		writeErrors(w, media, http.StatusServiceUnavailable, CodeQuotaUnavailable, "the quota could not be checked; retry later")
		return nil, false
	}
	if !d.Allowed {
		g.tel.QuotaRejected("rate")
		writeErrors(w, media, http.StatusTooManyRequests, CodeRateLimited, fmt.Sprintf("rate limit of %s exceeded", d.Rate))
		return nil, false
	}
	return r, true
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// admitOperation applies the endpoint's rules to the planned operation, before any subgraph
// call: introspection, scopes, cost.
func (g *Gateway) admitOperation(ctx context.Context, prep *prepared, vars map[string]any) *operation.Error {
	ep := g.policy
	if ep == nil {
		return nil
	}
	if ep.DisableIntrospection && len(prep.intro) > 0 {
		return &operation.Error{Code: CodeIntrospectionDisabled, Message: "introspection is disabled on this endpoint"}
	}
	max := ep.MaxCost
	if key := partner.FromContext(ctx); key != nil {
		for _, f := range prep.op.Selection.Common {
			if !ep.scopes.Allows(key.Scopes, f.Name) {
				return &operation.Error{Code: CodeForbidden, Message: fmt.Sprintf("this API key may not use %s.%s", prep.op.RootType, f.Name),
					Extensions: map[string]any{"field": f.Name}}
			}
		}
		if key.MaxCost > 0 {
			max = key.MaxCost
		}
	}
	if max <= 0 || ep.estimator == nil {
		return nil
	}
	if est := ep.estimator.Estimate(prep.op, vars); est > max {
		g.tel.QuotaRejected("cost")
		return &operation.Error{Code: CodeCostLimitExceeded, Message: fmt.Sprintf("operation cost %d exceeds the limit of %d", est, max),
			Extensions: map[string]any{"cost": map[string]any{"estimated": est, "max": max}}}
	}
	return nil
}

// maskErrors hides what execution errors say about the subgraphs behind the endpoint.
func (g *Gateway) maskErrors(resp *execute.Response) {
	if g.policy == nil || !g.policy.MaskErrors || resp == nil {
		return
	}
	for i, e := range resp.Errors {
		code, _ := e.Extensions["code"].(string)
		if code == "" {
			code = "INTERNAL_SERVER_ERROR"
		}
		resp.Errors[i] = &execute.Error{Message: maskedMessage(code), Path: e.Path, Extensions: map[string]any{"code": code}}
	}
}

func maskedMessage(code string) string {
	switch code {
	case "NOT_FOUND":
		return "not found"
	case "BAD_USER_INPUT":
		return "invalid input"
	case CodeUnauthenticated:
		return "not authenticated"
	case CodeForbidden:
		return "not allowed"
	}
	return "the field could not be resolved"
}

// operationErrorBody encodes an error raised before execution, with its extensions.
func operationErrorBody(oerr *operation.Error) []byte {
	if len(oerr.Extensions) == 0 {
		return errorBody(oerr.Code, oerr.Message)
	}
	ext := make(map[string]any, len(oerr.Extensions)+1)
	for k, v := range oerr.Extensions {
		ext[k] = v
	}
	ext["code"] = oerr.Code
	body, err := json.Marshal(errorsOnly{Errors: []*execute.Error{{Message: oerr.Message, Extensions: ext}}})
	if err != nil {
		return errorBody(oerr.Code, oerr.Message)
	}
	return body
}
