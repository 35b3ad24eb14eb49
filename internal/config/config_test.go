package config

import (
	"strings"
	"testing"
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
