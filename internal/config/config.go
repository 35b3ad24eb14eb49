// Package config is screenpop's typed configuration: read from environment
// variables, optionally overridden by command-line flags, and validated once
// at start with messages that name the variable at fault.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything a screenpop process needs to know at start.
type Config struct {
	// Addr is the HTTP listen address (SCREENPOP_ADDR).
	Addr string
	// DatabaseURL points at an existing PostgreSQL (DATABASE_URL). Empty means
	// run the embedded cluster under DataDir.
	DatabaseURL string
	// DataDir holds the embedded cluster, the master key and test artifacts
	// (SCREENPOP_DATA_DIR).
	DataDir string
	// MasterKeyFile is the key-encryption key (SCREENPOP_MASTER_KEY_FILE);
	// created with mode 0600 when missing and no DATABASE_URL is set.
	MasterKeyFile string
	// BaseURL is the public address used in links and cookies (SCREENPOP_BASE_URL).
	BaseURL string
	// Demo seeds a demo tenant on first start (SCREENPOP_DEMO, default on).
	Demo bool
	// PGListen makes the embedded cluster also listen on this loopback TCP
	// address (SCREENPOP_PG_LISTEN), for psql and pg_dump.
	PGListen string
	// LogLevel is debug, info, warn or error (SCREENPOP_LOG_LEVEL).
	LogLevel string
	// MetricsAddr is where Prometheus metrics (/metrics) and the Go
	// profiler (/debug/pprof/) listen (SCREENPOP_METRICS_ADDR): loopback by
	// default, "off" for none.
	MetricsAddr string
	// TrustedProxies are the reverse proxies (CIDRs, comma separated in
	// SCREENPOP_TRUSTED_PROXIES) whose X-Forwarded-For / Forwarded headers
	// name the client. From any other address those headers are ignored, so
	// a client cannot choose its own address for rate limits and trusted
	// address ranges.
	TrustedProxies []*net.IPNet
	// ReplicaURLs are PostgreSQL hot standbys of DatabaseURL's primary
	// (SCREENPOP_DATABASE_REPLICA_URL, postgres:// URLs separated by
	// spaces): the pops' lookups and renders read from them while they keep
	// up; everything else stays on the primary.
	ReplicaURLs []string
	// ReplicaMaxLag is how far behind the primary a standby may be and
	// still serve pops (SCREENPOP_REPLICA_MAX_LAG, a duration such as 5s).
	ReplicaMaxLag time.Duration
	// CallRetentionDays is how long call events and verification results
	// are kept (SCREENPOP_CALL_RETENTION_DAYS, default 30).
	CallRetentionDays int
}

// Env names, in one place for messages and docs.
const (
	EnvAddr          = "SCREENPOP_ADDR"
	EnvDatabaseURL   = "DATABASE_URL"
	EnvDataDir       = "SCREENPOP_DATA_DIR"
	EnvMasterKeyFile = "SCREENPOP_MASTER_KEY_FILE"
	EnvBaseURL       = "SCREENPOP_BASE_URL"
	EnvDemo          = "SCREENPOP_DEMO"
	EnvPGListen      = "SCREENPOP_PG_LISTEN"
	EnvLogLevel      = "SCREENPOP_LOG_LEVEL"
	EnvMetricsAddr   = "SCREENPOP_METRICS_ADDR"
	EnvTrustedProxy  = "SCREENPOP_TRUSTED_PROXIES"
	EnvCallRetention = "SCREENPOP_CALL_RETENTION_DAYS"
	EnvReplicaURL    = "SCREENPOP_DATABASE_REPLICA_URL"
	EnvReplicaMaxLag = "SCREENPOP_REPLICA_MAX_LAG"
)

// DefaultReplicaMaxLag is the lag over which a standby stops serving pops.
const DefaultReplicaMaxLag = 5 * time.Second

// DefaultMetricsAddr is loopback: metrics and profiles are for operators.
const DefaultMetricsAddr = "127.0.0.1:9464"

// DefaultCallRetentionDays is how long call data is kept unless the
// operator says otherwise.
const DefaultCallRetentionDays = 30

// FromEnv reads the environment; call Validate after applying flags.
func FromEnv() (Config, error) {
	c := Config{
		Addr:          getenv(EnvAddr, "127.0.0.1:8080"),
		DatabaseURL:   os.Getenv(EnvDatabaseURL),
		DataDir:       getenv(EnvDataDir, "./var"),
		MasterKeyFile: os.Getenv(EnvMasterKeyFile),
		BaseURL:       os.Getenv(EnvBaseURL),
		PGListen:      os.Getenv(EnvPGListen),
		LogLevel:      getenv(EnvLogLevel, "info"),
		MetricsAddr:   getenv(EnvMetricsAddr, DefaultMetricsAddr),
		Demo:          true,
	}
	if v, ok := os.LookupEnv(EnvDemo); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return c, fmt.Errorf("%s=%q: want 1 or 0 (true or false)", EnvDemo, v)
		}
		c.Demo = b
	}
	var errs []error
	for _, part := range strings.Split(os.Getenv(EnvTrustedProxy), ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		n, err := ParseProxyCIDR(part)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvTrustedProxy, err))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	if v := os.Getenv(EnvCallRetention); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want a number of days", EnvCallRetention, v))
		}
		c.CallRetentionDays = d
	}
	c.ReplicaURLs = strings.Fields(os.Getenv(EnvReplicaURL))
	if v := os.Getenv(EnvReplicaMaxLag); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration such as 5s or 500ms", EnvReplicaMaxLag, v))
		}
		c.ReplicaMaxLag = d
	}
	return c, errors.Join(errs...)
}

// ParseProxyCIDR reads one trusted proxy: a CIDR, or a single address.
func ParseProxyCIDR(s string) (*net.IPNet, error) {
	if !strings.Contains(s, "/") {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, fmt.Errorf("%q: want a CIDR such as 10.0.0.0/8 or an address", s)
		}
		bits := 128
		if ip4 := ip.To4(); ip4 != nil {
			ip, bits = ip4, 32
		}
		return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, nil
	}
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		return nil, fmt.Errorf("%q: want a CIDR such as 10.0.0.0/8 or an address", s)
	}
	return n, nil
}

func getenv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Validate checks every value and fills derived defaults (BaseURL from Addr,
// MasterKeyFile under DataDir, absolute DataDir). All problems are reported
// together.
func (c *Config) Validate() error {
	var errs []error
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		errs = append(errs, fmt.Errorf("%s=%q: want host:port, e.g. 127.0.0.1:8080", EnvAddr, c.Addr))
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		errs = append(errs, fmt.Errorf("%s=%q: port must be 0-65535", EnvAddr, c.Addr))
	}
	if c.DataDir == "" {
		errs = append(errs, fmt.Errorf("%s must not be empty", EnvDataDir))
	} else if abs, err := filepath.Abs(c.DataDir); err == nil {
		c.DataDir = abs
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") &&
		!strings.HasPrefix(c.DatabaseURL, "postgresql://") && !strings.Contains(c.DatabaseURL, "=") {
		errs = append(errs, fmt.Errorf("%s: want a postgres:// URL or key=value connection string", EnvDatabaseURL))
	}
	if c.MasterKeyFile == "" {
		c.MasterKeyFile = filepath.Join(c.DataDir, "master.key")
	}
	if c.BaseURL == "" && err == nil {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("%s=%q: want an absolute http(s) URL such as https://pop.example.com", EnvBaseURL, c.BaseURL))
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.PGListen != "" {
		h, _, err := net.SplitHostPort(c.PGListen)
		if ip := net.ParseIP(h); err != nil || ip == nil || !ip.IsLoopback() {
			errs = append(errs, fmt.Errorf("%s=%q: want a loopback host:port such as 127.0.0.1:54329", EnvPGListen, c.PGListen))
		}
	}
	if c.MetricsAddr != "" && c.MetricsAddr != "off" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want host:port such as %s, or off", EnvMetricsAddr, c.MetricsAddr, DefaultMetricsAddr))
		}
	}
	if c.CallRetentionDays == 0 {
		c.CallRetentionDays = DefaultCallRetentionDays
	} else if c.CallRetentionDays < 1 || c.CallRetentionDays > 3650 {
		errs = append(errs, fmt.Errorf("%s=%d: want 1 to 3650 days", EnvCallRetention, c.CallRetentionDays))
	}
	for _, u := range c.ReplicaURLs {
		if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
			errs = append(errs, fmt.Errorf("%s: %q: want postgres:// URLs separated by spaces", EnvReplicaURL, ReplicaURLName(u)))
		}
	}
	if len(c.ReplicaURLs) > 0 && c.DatabaseURL == "" {
		errs = append(errs, fmt.Errorf("%s needs %s: replicas are standbys of a primary you run", EnvReplicaURL, EnvDatabaseURL))
	}
	switch {
	case c.ReplicaMaxLag == 0:
		c.ReplicaMaxLag = DefaultReplicaMaxLag
	case c.ReplicaMaxLag < 100*time.Millisecond || c.ReplicaMaxLag > time.Hour:
		errs = append(errs, fmt.Errorf("%s=%v: want 100ms to 1h", EnvReplicaMaxLag, c.ReplicaMaxLag))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("%s=%q: want debug, info, warn or error", EnvLogLevel, c.LogLevel))
	}
	return errors.Join(errs...)
}

// ReplicaURLName is a replica URL fit for a message: no password.
func ReplicaURLName(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User(u.User.Username())
		return u.String()
	}
	if strings.Contains(s, "password") {
		return "(a connection string)"
	}
	return s
}

// SecureCookies reports whether cookies must carry the Secure flag.
func (c *Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }
