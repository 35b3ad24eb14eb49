package pops_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/screenpop/screenpop/engine/pops"
	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/engine/settings"
	"github.com/screenpop/screenpop/internal/apperr"
	"github.com/screenpop/screenpop/internal/i18n"
)

// names lists the configurations' names in the order given.
func names(cs []pops.Config) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

// order returns a tab's names, checking the positions are 1..n in order.
func order(t *testing.T, s *pops.Service, tenantID int64, media string) []string {
	t.Helper()
	cs, err := s.ListConfigs(ctx, tenantID, media)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cs {
		if c.Position != i+1 || c.MediaType != media || c.TenantID != tenantID {
			t.Errorf("%s tab, #%d: %q at position %d, media %q, tenant %d", media, i+1, c.Name, c.Position, c.MediaType, c.TenantID)
		}
	}
	return names(cs)
}

func homepages(t *testing.T, s *pops.Service, tenantID int64, media string) []string {
	t.Helper()
	cs, err := s.ListConfigs(ctx, tenantID, media)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		if c.Homepage {
			out = append(out, c.Name)
		}
	}
	return out
}

func get(t *testing.T, s *pops.Service, tenantID, id int64) *pops.Config {
	t.Helper()
	c, err := s.GetConfig(ctx, tenantID, id)
	if err != nil {
		t.Fatalf("get %d: %v", id, err)
	}
	return c
}

// sameConfig compares every stored attribute, timestamps to the microsecond
// PostgreSQL keeps.
func sameConfig(t *testing.T, got, want *pops.Config) {
	t.Helper()
	g, w := *got, *want
	if !g.CreatedAt.Equal(w.CreatedAt) || !g.UpdatedAt.Equal(w.UpdatedAt) {
		t.Errorf("timestamps: got %v/%v, want %v/%v", g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt)
	}
	g.CreatedAt, g.UpdatedAt, w.CreatedAt, w.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("config\n got %+v\nwant %+v", g, w)
	}
}

func TestEffectiveParams(t *testing.T) {
	def := dialect.HuaweiDefaultParams()
	if len(def) != 9 {
		t.Fatalf("%d default parameters, want 9", len(def))
	}
	var nine []pops.Param
	for _, k := range def {
		nine = append(nine, pops.Param{Name: k, Source: pops.SourceCall, Key: k})
	}
	own := []pops.Param{{Name: "phone", Source: pops.SourceCall, Key: "callerNum"}, {Name: "order", Source: pops.SourceAssoc, Key: "orderNo"}}
	tests := []struct {
		name   string
		params []pops.Param
		want   []pops.Param
	}{
		{"nil: the nine call-data parameters", nil, nine},
		{"empty: the nine call-data parameters", []pops.Param{}, nine},
		{"configured: only those", own, own},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &pops.Config{Params: tt.params}
			if got := c.EffectiveParams(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if nine[0].Key != "callerNum" || nine[8].Key != "agentName" {
		t.Errorf("default order %v", def)
	}
}

func TestConfigLifecycle(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn := tenant(t, eng)
	pg := page(t, eng, tn, true)

	// Created pops go to the end of their own tab.
	a := create(t, s, tn, external("A"))
	b := create(t, s, tn, pops.ConfigInput{MediaType: pops.MediaAudio, Name: "B", PageType: pops.PageInternal, PageID: pg.ID,
		OpenMode: pops.OpenStandalone, Method: pops.MethodWebAPI, Enabled: false, AlwaysShown: true, Trigger: pops.TriggerAnswered,
		Params: []pops.Param{{Name: "phone", Source: pops.SourceCall, Key: "callerNum"}, {Name: "order", Source: pops.SourceAssoc, Key: "order.no"}}})
	m := create(t, s, tn, pops.ConfigInput{MediaType: pops.MediaMultimedia, Name: "A", PageType: pops.PageExternal,
		URL: allowedURL + "/chat", OpenMode: pops.OpenHidden, Method: pops.MethodPost, Enabled: true, Trigger: pops.TriggerReleased})
	c := create(t, s, tn, external("C"))

	if a.ID == 0 || a.TenantID != tn || a.CreatedAt.IsZero() || a.UpdatedAt.IsZero() {
		t.Errorf("created %+v", a)
	}
	for _, tt := range []struct {
		c    *pops.Config
		pos  int
		want pops.Config
	}{
		{a, 1, pops.Config{MediaType: "audio", Name: "A", PageType: "external", URL: allowedURL, OpenMode: "embed", Method: "get",
			Enabled: true, Trigger: "ringing", Params: []pops.Param{}}},
		{b, 2, pops.Config{MediaType: "audio", Name: "B", PageType: "internal", PageID: &pg.ID, OpenMode: "standalone", Method: "webapi",
			AlwaysShown: true, Trigger: "answered",
			Params: []pops.Param{{Name: "phone", Source: "call", Key: "callerNum"}, {Name: "order", Source: "assoc", Key: "order.no"}}}},
		{m, 1, pops.Config{MediaType: "multimedia", Name: "A", PageType: "external", URL: allowedURL + "/chat", OpenMode: "hidden",
			Method: "post", Enabled: true, Trigger: "released", Params: []pops.Param{}}},
		{c, 3, pops.Config{MediaType: "audio", Name: "C", PageType: "external", URL: allowedURL, OpenMode: "embed", Method: "get",
			Enabled: true, Trigger: "ringing", Params: []pops.Param{}}},
	} {
		want := tt.want
		want.ID, want.TenantID, want.Position, want.CreatedAt, want.UpdatedAt = tt.c.ID, tn, tt.pos, tt.c.CreatedAt, tt.c.UpdatedAt
		sameConfig(t, tt.c, &want)
		// What was returned is what was stored.
		sameConfig(t, get(t, s, tn, tt.c.ID), tt.c)
	}

	// Listing: one tab in order, or all tabs (audio first).
	if got := order(t, s, tn, pops.MediaAudio); !slices.Equal(got, []string{"A", "B", "C"}) {
		t.Errorf("audio tab %v", got)
	}
	all, err := s.ListConfigs(ctx, tn, "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, x := range all {
		ids = append(ids, x.ID)
	}
	if !slices.Equal(ids, []int64{a.ID, b.ID, c.ID, m.ID}) {
		t.Errorf("all tabs: ids %v, want %v", ids, []int64{a.ID, b.ID, c.ID, m.ID})
	}
	if got, err := s.ListConfigs(ctx, tn, "video"); err != nil || len(got) != 0 {
		t.Errorf("unknown tab: %v %v", got, err)
	}

	// Update: a new state; position, id and creation time stay; the
	// modification time moves.
	time.Sleep(5 * time.Millisecond)
	u, err := s.UpdateConfig(ctx, tn, b.ID, pops.ConfigInput{MediaType: pops.MediaAudio, Name: " B2 ", PageType: pops.PageExternal,
		URL: " " + allowedURL + "/b2 ", PageID: pg.ID, OpenMode: pops.OpenEmbed, Enabled: true, Homepage: true})
	if err != nil {
		t.Fatal(err)
	}
	stored := get(t, s, tn, b.ID)
	want := pops.Config{ID: b.ID, TenantID: tn, MediaType: "audio", Name: "B2", PageType: "external", URL: allowedURL + "/b2",
		OpenMode: "embed", Method: "get", Enabled: true, Position: 2, Homepage: true, Trigger: "ringing", Params: []pops.Param{},
		CreatedAt: b.CreatedAt, UpdatedAt: stored.UpdatedAt}
	sameConfig(t, stored, &want)
	if !stored.UpdatedAt.After(b.UpdatedAt) {
		t.Errorf("updated_at %v not after %v", stored.UpdatedAt, b.UpdatedAt)
	}
	if u.ID != b.ID || u.Name != "B2" || u.PageID != nil || u.Position != 2 || !u.Homepage {
		t.Errorf("update returned %+v", u)
	}

	// Back to internal: the URL goes, the page comes.
	if _, err := s.UpdateConfig(ctx, tn, b.ID, pops.ConfigInput{MediaType: pops.MediaAudio, Name: "B2", PageType: pops.PageInternal,
		URL: allowedURL, PageID: pg.ID, OpenMode: pops.OpenEmbed, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if x := get(t, s, tn, b.ID); x.URL != "" || x.PageID == nil || *x.PageID != pg.ID || x.Homepage {
		t.Errorf("internal again: %+v", x)
	}

	// A pop stays in its tab.
	in := external("C")
	in.MediaType = pops.MediaMultimedia
	_, err = s.UpdateConfig(ctx, tn, c.ID, in)
	wantFieldErrors(t, err, fieldErr{"mediaType", "pop.media_fixed", nil})
	if x := get(t, s, tn, c.ID); x.MediaType != pops.MediaAudio {
		t.Errorf("media changed to %q", x.MediaType)
	}

	// Unknown ids.
	_, err = s.GetConfig(ctx, tn, 1<<62)
	wantNotFound(t, err)
	_, err = s.UpdateConfig(ctx, tn, 1<<62, external("X"))
	wantNotFound(t, err)

	// Delete closes the gap; the other tab keeps its order.
	if err := s.DeleteConfig(ctx, tn, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := order(t, s, tn, pops.MediaAudio); !slices.Equal(got, []string{"B2", "C"}) {
		t.Errorf("after delete: %v", got)
	}
	if got := order(t, s, tn, pops.MediaMultimedia); !slices.Equal(got, []string{"A"}) {
		t.Errorf("multimedia after audio delete: %v", got)
	}
	_, err = s.GetConfig(ctx, tn, a.ID)
	wantNotFound(t, err)
	wantNotFound(t, s.DeleteConfig(ctx, tn, a.ID))

	// The next one goes after the last again, and the freed name is free.
	if d := create(t, s, tn, external("A")); d.Position != 3 {
		t.Errorf("created after delete at position %d, want 3", d.Position)
	}
	if got := order(t, s, tn, pops.MediaAudio); !slices.Equal(got, []string{"B2", "C", "A"}) {
		t.Errorf("after re-create: %v", got)
	}
}

func TestConfigValidation(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn, other := tenant(t, eng), tenant(t, eng)
	draft := page(t, eng, tn, false)
	foreign := page(t, eng, other, true)
	base := create(t, s, tn, external("base"))

	params := func(n int) []pops.Param {
		out := make([]pops.Param, n)
		for i := range out {
			out[i] = pops.Param{Name: fmt.Sprintf("p%d", i), Source: pops.SourceAssoc, Key: fmt.Sprintf("k%d", i)}
		}
		return out
	}
	internal := func(id int64) func(*pops.ConfigInput) {
		return func(in *pops.ConfigInput) { in.PageType, in.URL, in.PageID = pops.PageInternal, "", id }
	}
	tests := []struct {
		name   string
		change func(*pops.ConfigInput)
		want   []fieldErr
	}{
		{"media type missing", func(in *pops.ConfigInput) { in.MediaType = "" }, []fieldErr{{"mediaType", "pop.media_type", nil}}},
		{"media type unknown", func(in *pops.ConfigInput) { in.MediaType = "video" }, []fieldErr{{"mediaType", "pop.media_type", nil}}},
		{"media type case", func(in *pops.ConfigInput) { in.MediaType = "Audio" }, []fieldErr{{"mediaType", "pop.media_type", nil}}},
		{"name missing", func(in *pops.ConfigInput) { in.Name = "" }, []fieldErr{{"name", "field.required", nil}}},
		{"name blank", func(in *pops.ConfigInput) { in.Name = " \t " }, []fieldErr{{"name", "field.required", nil}}},
		{"name 65 characters", func(in *pops.ConfigInput) { in.Name = strings.Repeat("名", 65) }, []fieldErr{{"name", "field.too_long", []any{64}}}},
		{"page type missing", func(in *pops.ConfigInput) { in.PageType = "" }, []fieldErr{{"pageType", "pop.page_type", nil}}},
		{"page type unknown", func(in *pops.ConfigInput) { in.PageType = "iframe" }, []fieldErr{{"pageType", "pop.page_type", nil}}},
		{"url missing", func(in *pops.ConfigInput) { in.URL = "  " }, []fieldErr{{"url", "field.required", nil}}},
		{"url http", func(in *pops.ConfigInput) { in.URL = "http://crm.example.com/pop/customer" }, []fieldErr{{"url", "pop.https_only", nil}}},
		{"url javascript", func(in *pops.ConfigInput) { in.URL = "javascript:alert(1)//https://crm.example.com/pop/" }, []fieldErr{{"url", "pop.https_only", nil}}},
		{"url relative", func(in *pops.ConfigInput) { in.URL = "/pop/customer" }, []fieldErr{{"url", "pop.https_only", nil}}},
		{"url other host", func(in *pops.ConfigInput) { in.URL = "https://evil.example.net/pop/customer" }, []fieldErr{{"url", "pop.not_whitelisted", nil}}},
		{"url lookalike host", func(in *pops.ConfigInput) { in.URL = "https://crm.example.com.evil.net/pop/customer" }, []fieldErr{{"url", "pop.not_whitelisted", nil}}},
		{"url outside the whitelisted path", func(in *pops.ConfigInput) { in.URL = "https://crm.example.com/admin" }, []fieldErr{{"url", "pop.not_whitelisted", nil}}},
		{"url other port", func(in *pops.ConfigInput) { in.URL = "https://crm.example.com:8443/pop/customer" }, []fieldErr{{"url", "pop.not_whitelisted", nil}}},
		{"url with credentials", func(in *pops.ConfigInput) { in.URL = "https://u:p@crm.example.com/pop/customer" }, []fieldErr{{"url", "pop.not_whitelisted", nil}}},
		{"internal without page", internal(0), []fieldErr{{"pageId", "pop.page_required", nil}}},
		{"internal unknown page", internal(1 << 62), []fieldErr{{"pageId", "pop.page_required", nil}}},
		{"internal negative page", internal(-1), []fieldErr{{"pageId", "pop.page_required", nil}}},
		{"internal page of another tenant", internal(foreign.ID), []fieldErr{{"pageId", "pop.page_required", nil}}},
		{"internal page unpublished", internal(draft.ID), []fieldErr{{"pageId", "pop.page_unpublished", nil}}},
		{"open mode missing", func(in *pops.ConfigInput) { in.OpenMode = "" }, []fieldErr{{"openMode", "pop.open_mode", nil}}},
		{"open mode unknown", func(in *pops.ConfigInput) { in.OpenMode = "popup" }, []fieldErr{{"openMode", "pop.open_mode", nil}}},
		{"method unknown", func(in *pops.ConfigInput) { in.Method = "put" }, []fieldErr{{"method", "pop.method", nil}}},
		{"trigger unknown", func(in *pops.ConfigInput) { in.Trigger = "hangup" }, []fieldErr{{"trigger", "pop.trigger", nil}}},
		{"disabled homepage", func(in *pops.ConfigInput) { in.Enabled, in.Homepage = false, true }, []fieldErr{{"homepage", "pop.homepage_disabled", nil}}},
		{"11 parameters", func(in *pops.ConfigInput) { in.Params = params(11) }, []fieldErr{{"params", "pop.too_many_params", []any{10}}}},
		{"param name missing", func(in *pops.ConfigInput) { in.Params = []pops.Param{{Name: " ", Source: "call", Key: "callid"}} },
			[]fieldErr{{"params[0].name", "pop.param_name", nil}}},
		{"param name starts with a digit", func(in *pops.ConfigInput) { in.Params = []pops.Param{{Name: "1phone", Source: "call", Key: "callid"}} },
			[]fieldErr{{"params[0].name", "pop.param_name", nil}}},
		{"param name with a space", func(in *pops.ConfigInput) {
			in.Params = []pops.Param{{Name: "my phone", Source: "call", Key: "callid"}}
		},
			[]fieldErr{{"params[0].name", "pop.param_name", nil}}},
		{"param name with &", func(in *pops.ConfigInput) { in.Params = []pops.Param{{Name: "a&b=c", Source: "call", Key: "callid"}} },
			[]fieldErr{{"params[0].name", "pop.param_name", nil}}},
		{"param name 65 characters", func(in *pops.ConfigInput) {
			in.Params = []pops.Param{{Name: "p" + strings.Repeat("x", 64), Source: "call", Key: "callid"}}
		}, []fieldErr{{"params[0].name", "pop.param_name", nil}}},
		{"param twice", func(in *pops.ConfigInput) {
			in.Params = []pops.Param{{Name: "phone", Source: "call", Key: "callerNum"}, {Name: "id", Source: "call", Key: "callid"},
				{Name: " phone ", Source: "assoc", Key: "tel"}}
		}, []fieldErr{{"params[2].name", "pop.param_twice", []any{"phone"}}}},
		{"call key unknown", func(in *pops.ConfigInput) {
			in.Params = []pops.Param{{Name: "phone", Source: "call", Key: "callerNumber"}}
		},
			[]fieldErr{{"params[0].key", "pop.param_call_key", nil}}},
		{"call key case", func(in *pops.ConfigInput) {
			in.Params = []pops.Param{{Name: "phone", Source: "call", Key: "CallerNum"}}
		},
			[]fieldErr{{"params[0].key", "pop.param_call_key", nil}}},
		{"assoc key missing", func(in *pops.ConfigInput) { in.Params = []pops.Param{{Name: "order", Source: "assoc", Key: " "}} },
			[]fieldErr{{"params[0].key", "pop.param_assoc_key", nil}}},
		{"assoc key with /", func(in *pops.ConfigInput) { in.Params = []pops.Param{{Name: "order", Source: "assoc", Key: "a/b"}} },
			[]fieldErr{{"params[0].key", "pop.param_assoc_key", nil}}},
		{"assoc key 65 characters", func(in *pops.ConfigInput) {
			in.Params = []pops.Param{{Name: "order", Source: "assoc", Key: strings.Repeat("k", 65)}}
		}, []fieldErr{{"params[0].key", "pop.param_assoc_key", nil}}},
		{"param source missing", func(in *pops.ConfigInput) { in.Params = []pops.Param{{Name: "phone", Key: "callerNum"}} },
			[]fieldErr{{"params[0].source", "pop.param_source", nil}}},
		{"param source unknown", func(in *pops.ConfigInput) { in.Params = []pops.Param{{Name: "phone", Source: "crm", Key: "callerNum"}} },
			[]fieldErr{{"params[0].source", "pop.param_source", nil}}},
		{"every error at once, in order", func(in *pops.ConfigInput) {
			*in = pops.ConfigInput{MediaType: "fax", PageType: pops.PageExternal, URL: "ftp://x", OpenMode: "tab", Method: "soap",
				Trigger: "never", Homepage: true, Params: append(params(10), pops.Param{Name: "p0", Source: "nope", Key: "k"})}
		}, []fieldErr{
			{"mediaType", "pop.media_type", nil}, {"name", "field.required", nil}, {"url", "pop.https_only", nil},
			{"openMode", "pop.open_mode", nil}, {"method", "pop.method", nil}, {"trigger", "pop.trigger", nil},
			{"homepage", "pop.homepage_disabled", nil}, {"params", "pop.too_many_params", []any{10}},
			{"params[10].name", "pop.param_twice", []any{"p0"}}, {"params[10].source", "pop.param_source", nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := external(uniq("new"))
			tt.change(&in)
			_, err := s.CreateConfig(ctx, tn, in)
			wantFieldErrors(t, err, tt.want...)

			// Update applies the same rules and leaves the pop as it was.
			in = external("base")
			tt.change(&in)
			_, err = s.UpdateConfig(ctx, tn, base.ID, in)
			wantFieldErrors(t, err, tt.want...)
			sameConfig(t, get(t, s, tn, base.ID), base)
		})
	}
	// Nothing invalid was stored.
	if got := order(t, s, tn, pops.MediaAudio); !slices.Equal(got, []string{"base"}) {
		t.Errorf("after invalid creates: %v", got)
	}

	// The messages exist in both languages and say what is wrong.
	_, err := s.CreateConfig(ctx, tn, pops.ConfigInput{MediaType: "audio", Name: "x", PageType: "external", URL: "http://a", OpenMode: "embed",
		Params: params(11)})
	e, _ := apperr.As(err)
	var msgs []string
	for _, f := range e.Fields {
		msgs = append(msgs, f.In(i18n.English))
	}
	if want := []string{"External pages must use https.", "At most 10 URL parameters per pop page."}; !slices.Equal(msgs, want) {
		t.Errorf("messages %q, want %q", msgs, want)
	}
}

// TestConfigNormalisation covers the accepted inputs that are stored in
// another form than given, and the boundaries of each rule.
func TestConfigNormalisation(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn := tenant(t, eng)
	pg := page(t, eng, tn, true)

	ten := make([]pops.Param, 10)
	for i := range ten {
		ten[i] = pops.Param{Name: fmt.Sprintf("p%d", i), Source: pops.SourceCall, Key: dialect.HuaweiDefaultParams()[i%9]}
	}
	long := "_" + strings.Repeat("a.-9", 15) + "xyz" // 64 characters
	tests := []struct {
		name  string
		in    pops.ConfigInput
		check func(t *testing.T, c *pops.Config)
	}{
		{"defaults: get, ringing, no parameters", pops.ConfigInput{MediaType: "audio", Name: "d", PageType: "external", URL: allowedURL, OpenMode: "embed"},
			func(t *testing.T, c *pops.Config) {
				if c.Method != pops.MethodGet || c.Trigger != pops.TriggerRinging || c.Params == nil || len(c.Params) != 0 || c.Enabled {
					t.Errorf("%+v", c)
				}
				if len(c.EffectiveParams()) != 9 {
					t.Errorf("effective params %v", c.EffectiveParams())
				}
			}},
		{"name, URL and parameters are trimmed", pops.ConfigInput{MediaType: "audio", Name: "  客户 资料\t", PageType: "external",
			URL: "\t" + allowedURL + "?x=1 ", OpenMode: "embed", Params: []pops.Param{{Name: " phone ", Source: "call", Key: " callerNum "}}},
			func(t *testing.T, c *pops.Config) {
				if c.Name != "客户 资料" || c.URL != allowedURL+"?x=1" ||
					!reflect.DeepEqual(c.Params, []pops.Param{{Name: "phone", Source: "call", Key: "callerNum"}}) {
					t.Errorf("%+v", c)
				}
			}},
		{"64-character name", pops.ConfigInput{MediaType: "audio", Name: strings.Repeat("名", 64), PageType: "external", URL: allowedURL, OpenMode: "embed"},
			func(t *testing.T, c *pops.Config) {
				if c.Name != strings.Repeat("名", 64) {
					t.Errorf("name %q", c.Name)
				}
			}},
		{"the whitelisted path itself and below", pops.ConfigInput{MediaType: "audio", Name: "p", PageType: "external",
			URL: "https://crm.example.com/pop/a/b?id=1#top", OpenMode: "embed"},
			func(t *testing.T, c *pops.Config) {
				if c.URL != "https://crm.example.com/pop/a/b?id=1#top" {
					t.Errorf("url %q", c.URL)
				}
			}},
		{"an external page keeps no page id", pops.ConfigInput{MediaType: "audio", Name: "e", PageType: "external", URL: allowedURL, PageID: pg.ID, OpenMode: "embed"},
			func(t *testing.T, c *pops.Config) {
				if c.PageID != nil {
					t.Errorf("page id %v", *c.PageID)
				}
			}},
		{"an internal page keeps no URL", pops.ConfigInput{MediaType: "multimedia", Name: "i", PageType: "internal", URL: "http://not-checked", PageID: pg.ID, OpenMode: "hidden"},
			func(t *testing.T, c *pops.Config) {
				if c.URL != "" || c.PageID == nil || *c.PageID != pg.ID {
					t.Errorf("%+v", c)
				}
			}},
		{"ten parameters, longest names and keys", pops.ConfigInput{MediaType: "multimedia", Name: "ten", PageType: "external", URL: allowedURL, OpenMode: "embed",
			Params: append(ten[:8:8], pops.Param{Name: long, Source: "assoc", Key: strings.Repeat("K", 64)}, pops.Param{Name: "Phone", Source: "call", Key: "agentName"})},
			func(t *testing.T, c *pops.Config) {
				if len(c.Params) != 10 || c.Params[8].Name != long || c.Params[8].Key != strings.Repeat("K", 64) || c.Params[9].Name != "Phone" {
					t.Errorf("params %+v", c.Params)
				}
			}},
		{"parameter names are case-sensitive", pops.ConfigInput{MediaType: "multimedia", Name: "case", PageType: "external", URL: allowedURL, OpenMode: "embed",
			Params: []pops.Param{{Name: "id", Source: "call", Key: "callid"}, {Name: "ID", Source: "assoc", Key: "id"}}},
			func(t *testing.T, c *pops.Config) {
				if len(c.Params) != 2 {
					t.Errorf("params %+v", c.Params)
				}
			}},
	}
	if len(long) != 64 {
		t.Fatalf("long name has %d characters", len(long))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := s.CreateConfig(ctx, tn, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
			stored := get(t, s, tn, c.ID)
			sameConfig(t, stored, c)
			tt.check(t, stored)
		})
	}
}

func TestConfigNames(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn, other := tenant(t, eng), tenant(t, eng)
	a := create(t, s, tn, external("客户"))
	b := create(t, s, tn, external("订单"))

	// One name per tab and tenant.
	_, err := s.CreateConfig(ctx, tn, external(" 客户 "))
	e := wantCode(t, err, apperr.Conflict, "error.invalid")
	if len(e.Fields) != 1 || e.Fields[0].Field != "name" || e.Fields[0].Key != "pop.name_taken" {
		t.Errorf("fields %+v", e.Fields)
	}
	_, err = s.UpdateConfig(ctx, tn, b.ID, external("客户"))
	e = wantCode(t, err, apperr.Conflict, "error.invalid")
	if len(e.Fields) != 1 || e.Fields[0].Field != "name" || e.Fields[0].Key != "pop.name_taken" {
		t.Errorf("fields %+v", e.Fields)
	}
	if got := get(t, s, tn, b.ID); got.Name != "订单" {
		t.Errorf("conflicting update stored name %q", got.Name)
	}
	// The failed create took no position.
	if c := create(t, s, tn, external("工单")); c.Position != 3 {
		t.Errorf("position after a refused duplicate: %d", c.Position)
	}

	// The same name is fine in the other tab, for another tenant, and for
	// the pop itself; names are case-sensitive.
	in := external("客户")
	in.MediaType = pops.MediaMultimedia
	create(t, s, tn, in)
	create(t, s, other, external("客户"))
	if _, err := s.UpdateConfig(ctx, tn, a.ID, external("客户")); err != nil {
		t.Errorf("update keeping its name: %v", err)
	}
	create(t, s, tn, external("Order"))
	create(t, s, tn, external("order"))
}

func TestHomepage(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn := tenant(t, eng)
	home := func(name, media string) pops.ConfigInput {
		in := external(name)
		in.MediaType, in.Homepage = media, true
		return in
	}
	a := create(t, s, tn, home("A", pops.MediaAudio))
	create(t, s, tn, home("M", pops.MediaMultimedia))
	b := create(t, s, tn, home("B", pops.MediaAudio))
	c := create(t, s, tn, external("C"))

	// Creating a homepage takes the flag from the tab's previous one, and
	// only in that tab.
	if got := homepages(t, s, tn, pops.MediaAudio); !slices.Equal(got, []string{"B"}) {
		t.Errorf("audio homepages %v", got)
	}
	if got := homepages(t, s, tn, pops.MediaMultimedia); !slices.Equal(got, []string{"M"}) {
		t.Errorf("multimedia homepages %v", got)
	}
	if x := get(t, s, tn, a.ID); x.Homepage || !x.Enabled {
		t.Errorf("previous homepage %+v", x)
	}

	// So does updating one into the homepage.
	if _, err := s.UpdateConfig(ctx, tn, c.ID, home("C", pops.MediaAudio)); err != nil {
		t.Fatal(err)
	}
	if got := homepages(t, s, tn, pops.MediaAudio); !slices.Equal(got, []string{"C"}) {
		t.Errorf("after update: %v", got)
	}
	// Updating the homepage as the homepage keeps it.
	if _, err := s.UpdateConfig(ctx, tn, c.ID, home("C", pops.MediaAudio)); err != nil {
		t.Fatal(err)
	}
	if got := homepages(t, s, tn, pops.MediaAudio); !slices.Equal(got, []string{"C"}) {
		t.Errorf("after updating the homepage: %v", got)
	}

	// Disabling the homepage in a form that still ticks "homepage" clears
	// the flag rather than failing (SPEC §7).
	in := home("C", pops.MediaAudio)
	in.Enabled = false
	u, err := s.UpdateConfig(ctx, tn, c.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if u.Homepage || u.Enabled {
		t.Errorf("returned %+v", u)
	}
	if x := get(t, s, tn, c.ID); x.Homepage || x.Enabled {
		t.Errorf("stored %+v", x)
	}
	if got := homepages(t, s, tn, pops.MediaAudio); len(got) != 0 {
		t.Errorf("homepages after disabling: %v", got)
	}
	// A pop that is not the homepage cannot become one while disabled.
	_, err = s.UpdateConfig(ctx, tn, c.ID, in)
	wantFieldErrors(t, err, fieldErr{"homepage", "pop.homepage_disabled", nil})

	// SetEnabled(false) on the homepage clears the flag too; enabling again
	// does not bring it back.
	if _, err := s.UpdateConfig(ctx, tn, b.ID, home("B", pops.MediaAudio)); err != nil {
		t.Fatal(err)
	}
	before := get(t, s, tn, b.ID)
	time.Sleep(5 * time.Millisecond)
	if err := s.SetEnabled(ctx, tn, b.ID, false); err != nil {
		t.Fatal(err)
	}
	if x := get(t, s, tn, b.ID); x.Enabled || x.Homepage || !x.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("after SetEnabled(false): %+v", x)
	}
	if err := s.SetEnabled(ctx, tn, b.ID, true); err != nil {
		t.Fatal(err)
	}
	if x := get(t, s, tn, b.ID); !x.Enabled || x.Homepage || x.Name != "B" || x.Position != before.Position {
		t.Errorf("after SetEnabled(true): %+v", x)
	}
	// SetEnabled(false) on another pop leaves the homepage alone.
	if _, err := s.UpdateConfig(ctx, tn, a.ID, home("A", pops.MediaAudio)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetEnabled(ctx, tn, b.ID, false); err != nil {
		t.Fatal(err)
	}
	if got := homepages(t, s, tn, pops.MediaAudio); !slices.Equal(got, []string{"A"}) {
		t.Errorf("homepages %v", got)
	}
	if got := homepages(t, s, tn, pops.MediaMultimedia); !slices.Equal(got, []string{"M"}) {
		t.Errorf("multimedia homepage lost: %v", got)
	}
	wantNotFound(t, s.SetEnabled(ctx, tn, 1<<62, true))
}

func TestMove(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn := tenant(t, eng)
	ids := map[string]int64{}
	for _, n := range []string{"A", "B", "C"} {
		ids[n] = create(t, s, tn, external(n)).ID
	}
	in := external("M")
	in.MediaType = pops.MediaMultimedia
	ids["M"] = create(t, s, tn, in).ID

	steps := []struct {
		name  string
		delta int
		want  []string
	}{
		{"C", -1, []string{"A", "C", "B"}},
		{"C", -1, []string{"C", "A", "B"}},
		{"C", -1, []string{"C", "A", "B"}}, // already first
		{"B", 1, []string{"C", "A", "B"}},  // already last
		{"C", 1, []string{"A", "C", "B"}},
		{"A", 1, []string{"C", "A", "B"}},
		{"B", -1, []string{"C", "B", "A"}},
	}
	for i, st := range steps {
		if err := s.Move(ctx, tn, ids[st.name], st.delta); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got := order(t, s, tn, pops.MediaAudio); !slices.Equal(got, st.want) {
			t.Fatalf("step %d (%s %+d): %v, want %v", i, st.name, st.delta, got, st.want)
		}
	}
	// The only pop of a tab stays where it is, and the audio tab is untouched.
	for _, d := range []int{-1, 1} {
		if err := s.Move(ctx, tn, ids["M"], d); err != nil {
			t.Fatal(err)
		}
	}
	if got := order(t, s, tn, pops.MediaMultimedia); !slices.Equal(got, []string{"M"}) {
		t.Errorf("multimedia %v", got)
	}
	for _, d := range []int{0, 2, -2, 100} {
		wantFieldErrors(t, s.Move(ctx, tn, ids["A"], d), fieldErr{"direction", "pop.move", nil})
	}
	wantNotFound(t, s.Move(ctx, tn, 1<<62, 1))
	if got := order(t, s, tn, pops.MediaAudio); !slices.Equal(got, []string{"C", "B", "A"}) {
		t.Errorf("after refused moves: %v", got)
	}
}

func TestLimits(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn := tenant(t, eng)

	// The default: five pops per media type.
	var first *pops.Config
	for i := range 5 {
		c := create(t, s, tn, external(fmt.Sprint("A", i)))
		if i == 0 {
			first = c
		}
	}
	_, err := s.CreateConfig(ctx, tn, external("A5"))
	e := wantCode(t, err, apperr.Invalid, "pop.limit", 5)
	if len(e.Fields) != 0 {
		t.Errorf("fields %+v", e.Fields)
	}
	if msg := e.In(i18n.English); msg != "At most 5 pop pages per media type." {
		t.Errorf("message %q", msg)
	}
	// The other tab has its own five.
	in := external("M")
	in.MediaType = pops.MediaMultimedia
	create(t, s, tn, in)
	// Deleting one makes room again.
	if err := s.DeleteConfig(ctx, tn, first.ID); err != nil {
		t.Fatal(err)
	}
	if c := create(t, s, tn, external("A5")); c.Position != 5 {
		t.Errorf("position %d", c.Position)
	}
	_, err = s.CreateConfig(ctx, tn, external("A6"))
	wantCode(t, err, apperr.Invalid, "pop.limit", 5)

	// The operator's parameter sets the limit. Lowering it below what a
	// tenant has keeps the pops but refuses new ones; updates still work.
	setParam(t, eng, settings.PopPagesPerMedia, 2)
	t2 := tenant(t, eng)
	create(t, s, t2, external("x"))
	create(t, s, t2, external("y"))
	_, err = s.CreateConfig(ctx, t2, external("z"))
	wantCode(t, err, apperr.Invalid, "pop.limit", 2)
	_, err = s.CreateConfig(ctx, tn, external("A7"))
	wantCode(t, err, apperr.Invalid, "pop.limit", 2)
	if got := order(t, s, tn, pops.MediaAudio); len(got) != 5 {
		t.Errorf("pops kept: %v", got)
	}
	if _, err := s.UpdateConfig(ctx, tn, ids(t, s, tn)[0], external("renamed")); err != nil {
		t.Errorf("update over the lowered limit: %v", err)
	}

	// URL parameters per page follow theirs.
	setParam(t, eng, settings.URLParamsPerPage, 3)
	four := []pops.Param{{Name: "a", Source: "call", Key: "callid"}, {Name: "b", Source: "call", Key: "callid"},
		{Name: "c", Source: "call", Key: "callid"}, {Name: "d", Source: "call", Key: "callid"}}
	in = external("params")
	in.MediaType, in.Params = pops.MediaMultimedia, four
	_, err = s.CreateConfig(ctx, tn, in)
	wantFieldErrors(t, err, fieldErr{"params", "pop.too_many_params", []any{3}})
	in.Params = four[:3]
	create(t, s, tn, in)
}

// ids returns a tenant's pop ids in list order.
func ids(t *testing.T, s *pops.Service, tenantID int64) []int64 {
	t.Helper()
	cs, err := s.ListConfigs(ctx, tenantID, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestTenantIsolation(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	a, b := tenant(t, eng), tenant(t, eng)
	in := external("A1")
	in.Homepage = true
	a1 := create(t, s, a, in)
	a2 := create(t, s, a, external("A2"))

	// B sees nothing of A's.
	if got, err := s.ListConfigs(ctx, b, ""); err != nil || len(got) != 0 {
		t.Errorf("B lists %v %v", names(got), err)
	}
	_, err := s.GetConfig(ctx, b, a1.ID)
	wantNotFound(t, err)
	_, err = s.UpdateConfig(ctx, b, a1.ID, external("stolen"))
	wantNotFound(t, err)
	wantNotFound(t, s.SetEnabled(ctx, b, a1.ID, false))
	wantNotFound(t, s.Move(ctx, b, a2.ID, -1))
	wantNotFound(t, s.DeleteConfig(ctx, b, a1.ID))
	sameConfig(t, get(t, s, a, a1.ID), a1)
	sameConfig(t, get(t, s, a, a2.ID), a2)

	// B's pops have their own names, positions, homepage and limit.
	for i := range 5 {
		in := external(fmt.Sprint("A", i+1))
		in.Homepage = true
		if c := create(t, s, b, in); c.Position != i+1 {
			t.Errorf("B's pop %d at position %d", i, c.Position)
		}
	}
	if got := homepages(t, s, a, pops.MediaAudio); !slices.Equal(got, []string{"A1"}) {
		t.Errorf("A's homepage after B's: %v", got)
	}
	bs, _ := s.ListConfigs(ctx, b, pops.MediaAudio)
	if err := s.DeleteConfig(ctx, b, bs[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := order(t, s, a, pops.MediaAudio); !slices.Equal(got, []string{"A1", "A2"}) {
		t.Errorf("A's order after B's delete: %v", got)
	}
	// A's pops cannot point at B's pages.
	bp := page(t, eng, b, true)
	_, err = s.UpdateConfig(ctx, a, a2.ID, pops.ConfigInput{MediaType: "audio", Name: "A2", PageType: "internal", PageID: bp.ID, OpenMode: "embed", Enabled: true})
	wantFieldErrors(t, err, fieldErr{"pageId", "pop.page_required", nil})
}

// TestConcurrentCreatesKeepTheLimit: the limit check and the insert run
// under the tenant's advisory lock, so racing creators cannot exceed the
// limit or share a position.
func TestConcurrentCreatesKeepTheLimit(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn := tenant(t, eng)
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			in := external(fmt.Sprint("p", i))
			in.Homepage = i%2 == 0
			_, errs[i] = s.CreateConfig(ctx, tn, in)
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case apperr.Is(err, apperr.Invalid):
			if e, _ := apperr.As(err); e.Key != "pop.limit" {
				t.Errorf("creator %d: %v", i, err)
			}
		default:
			t.Errorf("creator %d: %v", i, err)
		}
	}
	if ok != 5 {
		t.Errorf("%d creates succeeded, want 5", ok)
	}
	if got := order(t, s, tn, pops.MediaAudio); len(got) != 5 { // order checks positions 1..5
		t.Errorf("stored %v", got)
	}
	if got := homepages(t, s, tn, pops.MediaAudio); len(got) > 1 {
		t.Errorf("homepages %v", got)
	}
}

// TestConcurrentEdits: homepage moves, reorders and deletes racing on one
// tab leave one homepage and gap-free positions, and no edit fails.
func TestConcurrentEdits(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn := tenant(t, eng)
	var cs []*pops.Config
	for i := range 5 {
		cs = append(cs, create(t, s, tn, external(fmt.Sprint("p", i))))
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []error
	fail := func(err error) {
		mu.Lock()
		failures = append(failures, err)
		mu.Unlock()
	}
	for round := range 4 {
		for i, c := range cs {
			wg.Go(func() {
				in := external(c.Name)
				in.Homepage = true
				if _, err := s.UpdateConfig(ctx, tn, c.ID, in); err != nil {
					fail(fmt.Errorf("homepage %s: %w", c.Name, err))
				}
			})
			wg.Go(func() {
				if err := s.Move(ctx, tn, c.ID, []int{-1, 1}[(i+round)%2]); err != nil {
					fail(fmt.Errorf("move %s: %w", c.Name, err))
				}
			})
		}
	}
	wg.Wait()
	for _, err := range failures {
		t.Error(err)
	}
	got := order(t, s, tn, pops.MediaAudio)
	if len(got) != 5 {
		t.Fatalf("after moves: %v", got)
	}
	if h := homepages(t, s, tn, pops.MediaAudio); len(h) != 1 {
		t.Errorf("homepages %v, want exactly one", h)
	}

	// Racing deletes close every gap.
	for _, c := range cs[:3] {
		wg.Go(func() {
			if err := s.DeleteConfig(ctx, tn, c.ID); err != nil {
				fail(err)
			}
		})
	}
	wg.Wait()
	for _, err := range failures {
		t.Error(err)
	}
	if got := order(t, s, tn, pops.MediaAudio); len(got) != 2 {
		t.Errorf("after deletes: %v", got)
	}
}

// TestDatabaseFailures: a failing database is reported as such, never as a
// domain answer such as "not found" or a validation error.
func TestDatabaseFailures(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn := tenant(t, eng)
	c := create(t, s, tn, external("c"))
	pg := page(t, eng, tn, true)
	dead, cancel := context.WithCancel(ctx)
	cancel()

	internal := pops.ConfigInput{MediaType: "audio", Name: "i", PageType: "internal", PageID: pg.ID, OpenMode: "embed"}
	calls := map[string]func() error{
		"CreateConfig external": func() error { _, err := s.CreateConfig(dead, tn, external("x")); return err },
		"CreateConfig internal": func() error { _, err := s.CreateConfig(dead, tn, internal); return err },
		"ListConfigs":           func() error { _, err := s.ListConfigs(dead, tn, ""); return err },
		"GetConfig":             func() error { _, err := s.GetConfig(dead, tn, c.ID); return err },
		"UpdateConfig":          func() error { _, err := s.UpdateConfig(dead, tn, c.ID, external("c")); return err },
		"SetEnabled":            func() error { return s.SetEnabled(dead, tn, c.ID, false) },
		"DeleteConfig":          func() error { return s.DeleteConfig(dead, tn, c.ID) },
		"Move":                  func() error { return s.Move(dead, tn, c.ID, 1) },
		"Settings":              func() error { _, err := s.Settings(dead, tn); return err },
		"CachedSettings":        func() error { _, err := s.CachedSettings(dead, tn); return err },
		"SaveSettings":          func() error { _, err := s.SaveSettings(dead, tn, pops.SettingsInput{}); return err },
		"SobotConfig":           func() error { _, err := s.SobotConfig(dead, tn); return err },
		"Nonces.Seen": func() error {
			_, err := eng.Nonces.Seen(dead, uniq("sig"), time.Now().Add(time.Minute))
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			err := call()
			if err == nil {
				t.Fatal("no error")
			}
			if e, ok := apperr.As(err); ok {
				t.Errorf("database failure reported as %s / %s", e.Code, e.Key)
			}
			if !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "context canceled") {
				t.Errorf("err %v, want the cancellation", err)
			}
		})
	}
	sameConfig(t, get(t, s, tn, c.ID), c)
}

// TestMessages: every message key the service returns is in the catalog.
func TestMessages(t *testing.T) {
	keys := []string{"pop.not_found", "pop.name_taken", "pop.limit", "pop.media_type", "pop.media_fixed", "pop.page_type",
		"pop.https_only", "pop.not_whitelisted", "pop.page_required", "pop.page_unpublished", "pop.open_mode", "pop.method",
		"pop.trigger", "pop.homepage_disabled", "pop.too_many_params", "pop.param_name", "pop.param_twice", "pop.param_call_key",
		"pop.param_assoc_key", "pop.param_source", "pop.move", "pop.origin", "pop.cidr", "pop.sobot_page", "call.webhook",
		"field.required", "field.too_long", "error.invalid"}
	for _, k := range keys {
		if !i18n.Has(k) {
			t.Errorf("%s is not in the catalog", k)
		}
	}
}

// TestReturnedTimestamps: what UpdateConfig and SaveSettings return (and the
// JSON API hands back) should carry the modification time they stored.
func TestReturnedTimestamps(t *testing.T) {
	eng := newEngine(t)
	s := eng.Pops
	tn := tenant(t, eng)
	t.Run("UpdateConfig", func(t *testing.T) {
		c := create(t, s, tn, external("a"))
		time.Sleep(5 * time.Millisecond)
		u, err := s.UpdateConfig(ctx, tn, c.ID, external("b"))
		if err != nil {
			t.Fatal(err)
		}
		if stored := get(t, s, tn, c.ID); !u.UpdatedAt.Equal(stored.UpdatedAt) {
			t.Errorf("returned updatedAt %v, stored %v", u.UpdatedAt, stored.UpdatedAt)
		}
	})
	t.Run("SaveSettings", func(t *testing.T) {
		if _, err := s.SaveSettings(ctx, tn, pops.SettingsInput{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
		ps, err := s.SaveSettings(ctx, tn, pops.SettingsInput{SobotSysNum: "x"})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := s.Settings(ctx, tn)
		if err != nil {
			t.Fatal(err)
		}
		if !ps.UpdatedAt.Equal(stored.UpdatedAt) {
			t.Errorf("returned updatedAt %v, stored %v", ps.UpdatedAt, stored.UpdatedAt)
		}
	})
}
