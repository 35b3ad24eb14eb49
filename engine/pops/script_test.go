package pops_test

import (
	"testing"

	"github.com/screenpop/screenpop/engine/pops"
)

// seed 002 §4.4.1: "https://ip:port或域名/service-cloud/resource.root/page/resource.root/js/AICCSupport.js".
func TestScriptOrigin(t *testing.T) {
	for raw, want := range map[string]string{
		"https://10.0.0.5:8443/service-cloud/resource.root/page/resource.root/js/AICCSupport.js":    "https://10.0.0.5:8443",
		"https://aicc.example.com/service-cloud/resource.root/page/resource.root/js/AICCSupport.js": "https://aicc.example.com",
		"http://localhost:8080/js/AICCSupport.js":                                                   "http://localhost:8080",
		"http://aicc.example.com/js/AICCSupport.js":                                                 "", // plain http off the machine
		"https://aicc.example.com":                                                                  "", // no script
		"https://u:p@aicc.example.com/a.js":                                                         "",
		"javascript:alert(1)":                                                                       "",
	} {
		if got := pops.ScriptOrigin(raw); got != want {
			t.Errorf("ScriptOrigin(%q) = %q, want %q", raw, got, want)
		}
	}
}
