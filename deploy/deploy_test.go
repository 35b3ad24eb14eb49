// Package deploy holds what operators load next to screenpop: the Grafana
// dashboard and the Prometheus alert rules. The test checks that both
// parse and name only metrics an instance exports.
package deploy_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/screenpop/screenpop/testkit"
	"github.com/screenpop/screenpop/testkit/testengine"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// metricName finds our metric names in PromQL (go_sql_ are the pool's).
var metricName = regexp.MustCompile(`\b(screenpop_[a-z_]+|go_sql_[a-z_]+)`)

// exported returns the names of the metric families a running engine
// exports, with every labelled family given one child so it shows.
func exported(t *testing.T) map[string]bool {
	eng := testengine.New(t)
	m := eng.Metrics
	m.PopRequests.WithLabelValues("x", "ok")
	m.PopDuration.WithLabelValues("x").Observe(0)
	m.Lookups.WithLabelValues("found")
	m.ConnectorCalls.WithLabelValues("1", "ok")
	m.ConnectorTime.WithLabelValues("1").Observe(0)
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range families {
		names[f.GetName()] = true
	}
	return names
}

// known reports whether a name in an expression is exported (a histogram's
// _bucket, _sum and _count series belong to its family).
func known(names map[string]bool, n string) bool {
	for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(n, suffix); ok && names[base] {
			return true
		}
	}
	return false
}

func TestAlertRules(t *testing.T) {
	b, err := os.ReadFile("prometheus-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	names := exported(t)
	alerts := map[string]bool{}
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			alerts[r.Alert] = true
			if r.Alert == "" || strings.TrimSpace(r.Expr) == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("rule %+v: want alert, expr, severity and summary", r)
			}
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q: %v", r.Alert, r.For, err)
				}
			}
			for _, n := range metricName.FindAllString(r.Expr, -1) {
				if !known(names, n) {
					t.Errorf("%s: metric %s is not exported", r.Alert, n)
				}
			}
		}
	}
	// What issue 15 asks to alert on.
	for _, a := range []string{"ScreenpopPopErrors", "ScreenpopEventDeliveryLag", "ScreenpopCallListenerDown"} {
		if !alerts[a] {
			t.Errorf("no alert %s", a)
		}
	}
}

func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	if dash.Title == "" || dash.UID == "" || len(dash.Panels) == 0 {
		t.Fatalf("dashboard %q (%s) with %d panels", dash.Title, dash.UID, len(dash.Panels))
	}
	names := exported(t)
	shown := map[string]bool{}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			for _, n := range metricName.FindAllString(q.Expr, -1) {
				if !known(names, n) {
					t.Errorf("panel %q: metric %s is not exported", p.Title, n)
				}
				shown[n] = true
			}
		}
	}
	// Every screenpop metric is on the dashboard.
	for n := range names {
		if strings.HasPrefix(n, "screenpop_") && !shown[n] && !shown[n+"_bucket"] {
			t.Errorf("metric %s is on no panel", n)
		}
	}
}
