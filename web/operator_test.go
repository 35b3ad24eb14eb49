package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/screenpop/screenpop/engine/accounts"
	"github.com/screenpop/screenpop/engine/settings"
)

func TestSystemParamsForm(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	op := e.user(nil, accounts.RoleOperator, f.Password)
	b := e.browser()
	b.login(op.Username, f.Password)
	b.get("/operator/params")

	valid := func() url.Values {
		v := url.Values{}
		for _, s := range settings.ParamSpecs {
			v.Set(string(s.Name), "5")
		}
		return v
	}
	tests := []struct {
		name, param, value string
		wantErr            string // "" = saved
	}{
		{"above range", "pop_pages_per_media", "11", "必须是 1 到 10 之间的整数"},
		{"below range", "url_params_per_page", "0", "必须是 1 到 20 之间的整数"},
		{"not a number", "objects_per_page", "five", "必须是 1 到 10 之间的整数"},
		{"in range", "pop_pages_per_media", "7", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := valid()
			form.Set(tt.param, tt.value)
			resp, body := b.post("/operator/params", form)
			got, err := e.eng.Settings.Param(t.Context(), settings.Param(tt.param))
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErr == "" {
				if resp.StatusCode != http.StatusSeeOther || got != 7 {
					t.Fatalf("status %d, stored %d; want 303 and 7", resp.StatusCode, got)
				}
				return
			}
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", resp.StatusCode)
			}
			if !strings.Contains(body, `data-testid="err-`+tt.param+`">`+tt.wantErr) {
				t.Errorf("no field error %q beside %s", tt.wantErr, tt.param)
			}
			if !strings.Contains(body, `value="`+tt.value+`"`) {
				t.Error("the submitted value was lost")
			}
			if n, err := strconv.Atoi(tt.value); err == nil && got == n {
				t.Error("an out-of-range value was stored")
			}
		})
	}
}

func TestSystemParamsAPI(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	op := e.user(nil, accounts.RoleOperator, f.Password)
	b := e.browser()
	b.login(op.Username, f.Password)
	b.get("/operator/params")

	req := func(body string) (*http.Response, string) {
		r := httptestRequest("PUT", "/api/v1/system-params", body)
		r.Header.Set("X-CSRF-Token", b.csrf)
		r.Header.Set("Accept-Language", "en")
		return b.do(r)
	}
	resp, body := req(`{"url_params_per_page": 21}`)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Must be a whole number from 1 to 20.") ||
		!strings.Contains(body, "body.url_params_per_page") {
		t.Fatalf("status %d body %s; want 422 naming the range and the field", resp.StatusCode, body)
	}
	resp, body = req(`{"url_params_per_page": 20}`)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"value":20`) {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
}

func TestWhitelistAndTenantsConsole(t *testing.T) {
	e := newEnv(t)
	f := e.tenant()
	op := e.user(nil, accounts.RoleOperator, f.Password)
	b := e.browser()
	b.login(op.Username, f.Password)

	b.get("/operator/whitelist")
	resp, body := b.post("/operator/whitelist", url.Values{"pattern": {"http://crm.example.com/"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "请输入 https 地址") {
		t.Fatalf("http pattern: status %d", resp.StatusCode)
	}
	resp, _ = b.post("/operator/whitelist", url.Values{"pattern": {"https://*.example.com/crm"}, "description": {"CRM"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("valid pattern: status %d", resp.StatusCode)
	}
	if _, body = b.get("/operator/whitelist"); !strings.Contains(body, "https://*.example.com/crm") {
		t.Fatal("entry not listed")
	}

	slug := name("new")
	b.get("/operator/tenants")
	resp, body = b.post("/operator/tenants", url.Values{"slug": {"Bad Slug"}, "name": {"X"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "小写字母") || !strings.Contains(body, `value="Bad Slug"`) {
		t.Fatalf("bad slug: status %d", resp.StatusCode)
	}
	resp, _ = b.post("/operator/tenants", url.Values{"slug": {slug}, "name": {"New tenant"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create tenant: status %d", resp.StatusCode)
	}
	resp, body = b.post("/operator/tenants", url.Values{"slug": {slug}, "name": {"Again"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "该租户编码已存在") {
		t.Fatalf("duplicate slug: status %d", resp.StatusCode)
	}
}
