package config

import (
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string // substring; "" means valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"bad addr", func(c *Config) { c.Addr = "8080" }, EnvAddr},
		{"bad port", func(c *Config) { c.Addr = "127.0.0.1:99999" }, "port must be"},
		{"bad base url", func(c *Config) { c.BaseURL = "ftp://x" }, EnvBaseURL},
		{"bad database url", func(c *Config) { c.DatabaseURL = "mysql:x" }, EnvDatabaseURL},
		{"public pg listen", func(c *Config) { c.PGListen = "0.0.0.0:5432" }, EnvPGListen},
		{"bad log level", func(c *Config) { c.LogLevel = "loud" }, EnvLogLevel},
		{"replica without primary", func(c *Config) { c.ReplicaURLs = []string{"postgres://r1/db"} }, EnvDatabaseURL},
		{"replica not a url", func(c *Config) {
			c.DatabaseURL, c.ReplicaURLs = "postgres://p/db", []string{"host=r1 password=secret"}
		}, EnvReplicaURL},
		{"replica lag too small", func(c *Config) { c.ReplicaMaxLag = time.Millisecond }, EnvReplicaMaxLag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{Addr: "127.0.0.1:8080", DataDir: t.TempDir(), LogLevel: "info"}
			tt.mutate(&c)
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if c.BaseURL != "http://127.0.0.1:8080" || !strings.HasSuffix(c.MasterKeyFile, "master.key") {
					t.Fatalf("derived defaults wrong: %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestFromEnvDemoFlag(t *testing.T) {
	t.Setenv(EnvDemo, "0")
	c, err := FromEnv()
	if err != nil || c.Demo {
		t.Fatalf("SCREENPOP_DEMO=0 gave Demo=%v err=%v", c.Demo, err)
	}
	t.Setenv(EnvDemo, "maybe")
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), EnvDemo) {
		t.Fatalf("bad SCREENPOP_DEMO: err=%v", err)
	}
}

func TestFromEnvTrustedProxiesAndRetention(t *testing.T) {
	tests := []struct {
		name, proxies, retention string
		wantNets                 []string
		wantDays                 int
		wantErr                  string
	}{
		{"unset", "", "", nil, DefaultCallRetentionDays, ""},
		{"cidrs and an address", "10.0.0.0/8, 192.168.1.7,fd00::/8", "7", []string{"10.0.0.0/8", "192.168.1.7/32", "fd00::/8"}, 7, ""},
		{"bad cidr", "10.0.0.0/33", "", nil, 0, EnvTrustedProxy},
		{"bad address", "proxy.local", "", nil, 0, EnvTrustedProxy},
		{"bad retention", "", "a month", nil, 0, EnvCallRetention},
		{"retention out of range", "", "-1", nil, 0, EnvCallRetention},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvTrustedProxy, tt.proxies)
			t.Setenv(EnvCallRetention, tt.retention)
			c, err := FromEnv()
			if err == nil {
				c.Addr, c.DataDir = "127.0.0.1:8080", t.TempDir()
				err = c.Validate()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to mention %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range c.TrustedProxies {
				got = append(got, n.String())
			}
			if strings.Join(got, " ") != strings.Join(tt.wantNets, " ") || c.CallRetentionDays != tt.wantDays {
				t.Fatalf("proxies %v days %d, want %v %d", got, c.CallRetentionDays, tt.wantNets, tt.wantDays)
			}
		})
	}
}

func TestFromEnvReplicas(t *testing.T) {
	t.Setenv(EnvDatabaseURL, "postgres://primary/db")
	t.Setenv(EnvReplicaURL, " postgres://u:pw@r1:5432/db?sslmode=disable\npostgres://r2,r3/db ")
	t.Setenv(EnvReplicaMaxLag, "2500ms")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.ReplicaURLs) != 2 || c.ReplicaURLs[1] != "postgres://r2,r3/db" || c.ReplicaMaxLag != 2500*time.Millisecond {
		t.Fatalf("replicas %q, max lag %v", c.ReplicaURLs, c.ReplicaMaxLag)
	}
	t.Setenv(EnvReplicaMaxLag, "soon")
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), EnvReplicaMaxLag) {
		t.Fatalf("bad max lag: %v", err)
	}
	t.Setenv(EnvReplicaMaxLag, "")
	t.Setenv(EnvReplicaURL, "")
	c, _ = FromEnv()
	if err := c.Validate(); err != nil || c.ReplicaMaxLag != DefaultReplicaMaxLag || len(c.ReplicaURLs) != 0 {
		t.Fatalf("defaults: %v %v %v", err, c.ReplicaMaxLag, c.ReplicaURLs)
	}
	if got := ReplicaURLName("postgres://u:pw@r1/db"); strings.Contains(got, "pw") {
		t.Fatalf("password shown: %s", got)
	}
}
