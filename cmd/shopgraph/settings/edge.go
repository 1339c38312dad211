package settings

// The edge sections. Their keys have no defaults here: a key left out keeps the default of the
// command that runs (serve turns the partner endpoint on, gateway leaves it off), shown by
// `shopgraph serve -h` and in shopgraph.example.yaml.

// Persisted configures automatic persisted queries and trusted documents.
type Persisted struct {
	// APQ accepts automatic persisted query registrations (false: trusted documents only).
	APQ bool `yaml:"apq"`
	// APQPrefix and APQTTL place and age registrations in Redis.
	APQPrefix string   `yaml:"apq_prefix"`
	APQTTL    Duration `yaml:"apq_ttl"`
	// Manifests are folders (watched) or http(s) URLs (polled) of trusted-document manifests.
	Manifests []string `yaml:"manifests"`
	// ClientModes maps a client name to allow-any, persisted-preferred or persisted-only.
	ClientModes map[string]string `yaml:"client_modes"`
	// DefaultMode is the mode of clients not in ClientModes.
	DefaultMode string `yaml:"default_mode"`
}

// Cache configures the response and entity cache.
type Cache struct {
	Enabled bool `yaml:"enabled"`
	// Local keeps entries in each process in front of Redis.
	Local bool `yaml:"local"`
	// MemoryBytes bounds what each process keeps in memory, in front of Redis.
	MemoryBytes int `yaml:"memory_bytes"`
	// Stale is how long past its maxAge a response is still served when subgraphs fail.
	Stale Duration `yaml:"stale"`
	// Prefix starts the cache's Redis keys and purge channel.
	Prefix string `yaml:"prefix"`
}

// Partner configures /partner/graphql, for API keys.
type Partner struct {
	Enabled bool `yaml:"enabled"`
	// DefaultQuota and DefaultMaxCost apply to keys created without their own.
	DefaultQuota   string `yaml:"default_quota"`
	DefaultMaxCost int    `yaml:"default_max_cost"`
	MaxDepth       int    `yaml:"max_depth"`
	MaxAliases     int    `yaml:"max_aliases"`
	// KeyCache is how long a key lookup is remembered: a revoked key stops working within it.
	KeyCache Duration `yaml:"key_cache"`
}

// Storefront configures the limits of /graphql.
type Storefront struct {
	// Quota is requests per client IP, such as "6000/m"; "" for none.
	Quota string `yaml:"quota"`
	// MaxCost is the cost ceiling of one operation; 0 for none.
	MaxCost int `yaml:"max_cost"`
	// TrustedProxies are the CIDRs of proxies in front of the gateway: their X-Forwarded-For
	// names the client the quota counts. Without them, the connection's address counts.
	TrustedProxies []string `yaml:"trusted_proxies"`
}
