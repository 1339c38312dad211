package persisted

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Mode decides what a client may send.
type Mode string

const (
	// AllowAny runs query text, APQ and trusted documents alike.
	AllowAny Mode = "allow-any"
	// PersistedPreferred runs anything, but counts and logs query text that
	// is not a trusted document: the step before persisted-only.
	PersistedPreferred Mode = "persisted-preferred"
	// PersistedOnly runs trusted documents only; query text is refused with
	// PERSISTED_QUERY_ONLY unless it is exactly a trusted document's body.
	PersistedOnly Mode = "persisted-only"
)

func (m Mode) valid() error {
	switch m {
	case AllowAny, PersistedPreferred, PersistedOnly:
		return nil
	}
	return fmt.Errorf("unknown mode %q (want allow-any, persisted-preferred or persisted-only)", string(m))
}

// ParseClientModes reads "name=mode,name=mode" (a flag or environment value).
func ParseClientModes(s string) (map[string]Mode, error) {
	out := map[string]Mode{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, mode, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("client mode %q: want name=mode", part)
		}
		m := Mode(strings.TrimSpace(mode))
		if err := m.valid(); err != nil {
			return nil, fmt.Errorf("client %q: %w", name, err)
		}
		out[strings.TrimSpace(name)] = m
	}
	return out, nil
}

// FormatClientModes is the inverse of ParseClientModes, sorted by name.
func FormatClientModes(modes map[string]Mode) string {
	parts := make([]string, 0, len(modes))
	for name, m := range modes {
		parts = append(parts, name+"="+string(m))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Client is who sent a request, as the client says.
type Client struct {
	Name    string
	Version string
}

// ClientOf reads the client's name and version from Apollo's headers, or the
// vendor-neutral graphql-client-* ones.
func ClientOf(h http.Header) Client {
	c := Client{Name: h.Get("Apollographql-Client-Name"), Version: h.Get("Apollographql-Client-Version")}
	if c.Name == "" {
		c.Name = h.Get("Graphql-Client-Name")
	}
	if c.Version == "" {
		c.Version = h.Get("Graphql-Client-Version")
	}
	return c
}

// ModeOf is the mode of a client.
func (d *Documents) ModeOf(c Client) Mode {
	if m, ok := d.opts.Clients[c.Name]; ok && c.Name != "" {
		return m
	}
	return d.opts.DefaultMode
}
