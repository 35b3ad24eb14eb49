package settings

import "testing"

func TestNormalizePattern(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"https://crm.example.com", "https://crm.example.com/", true},
		{" https://CRM.Example.com/app ", "https://crm.example.com/app", true},
		{"https://*.example.com/", "https://*.example.com/", true},
		{"https://crm.example.com:8443/x/", "https://crm.example.com:8443/x/", true},
		{"http://crm.example.com/", "", false},          // https only
		{"https://user:pw@crm.example.com/", "", false}, // no credentials
		{"https://crm.example.com/?a=1", "", false},     // no query
		{"https://*/", "", false},                       // wildcard needs a domain
		{"https://a.*.example.com/", "", false},         // wildcard only in front
		{"https://com/", "", false},                     // a bare TLD is too wide
		{"crm.example.com", "", false},                  // no scheme
	}
	for _, tt := range tests {
		got, ok := normalizePattern(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("normalizePattern(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestWhitelistMatches(t *testing.T) {
	tests := []struct {
		pattern, url string
		want         bool
	}{
		{"https://crm.example.com/", "https://crm.example.com/pop?x=1", true},
		{"https://crm.example.com/", "https://CRM.example.com/", true},
		{"https://crm.example.com/", "http://crm.example.com/", false},
		{"https://crm.example.com/", "https://crm.example.com.evil.io/", false},
		{"https://crm.example.com/", "https://crm.example.com:8443/", false},
		{"https://crm.example.com/", "https://x@crm.example.com/", false},
		{"https://crm.example.com/app", "https://crm.example.com/app", true},
		{"https://crm.example.com/app", "https://crm.example.com/app/pop", true},
		{"https://crm.example.com/app", "https://crm.example.com/application", false},
		{"https://*.example.com/", "https://a.b.example.com/", true},
		{"https://*.example.com/", "https://example.com/", false},
		{"https://*.example.com/", "https://badexample.com/", false},
		// Dot segments are matched as the browser will load them, and
		// encoded separators (which servers decode differently) refused.
		{"https://crm.example.com/app", "https://crm.example.com/app/../admin", false},
		{"https://crm.example.com/app", "https://crm.example.com/app/./pop/../x", true},
		{"https://crm.example.com/app", "https://crm.example.com/app/%2e%2e/admin", false},
		{"https://crm.example.com/app", "https://crm.example.com/app/%2E%2E/admin", false},
		{"https://crm.example.com/app", "https://crm.example.com/app/..%2fadmin", false},
		{"https://crm.example.com/app", "https://crm.example.com/app/..%2Fadmin", false},
		{"https://crm.example.com/app", "https://crm.example.com/app/..%5cadmin", false},
		{"https://crm.example.com/app", "https://crm.example.com/app\\..\\admin", false},
		{"https://crm.example.com/app", "https://crm.example.com/app/.%2e/admin", false},
		{"https://crm.example.com/app/", "https://crm.example.com/app/sub/", true},
	}
	for _, tt := range tests {
		e := WhitelistEntry{Pattern: tt.pattern}
		if got := e.Matches(tt.url); got != tt.want {
			t.Errorf("%s matches %s = %v, want %v", tt.pattern, tt.url, got, tt.want)
		}
	}
}
