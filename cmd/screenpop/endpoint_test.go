package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/screenpop/screenpop/testkit"
)

// runCLI runs the binary and returns its combined output and exit code.
func runCLI(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "SCREENPOP_LOG_LEVEL=warn"}, env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

var mockAt = regexp.MustCompile(`mock queryCustomer endpoint on (\S+):`)

// startMock runs `screenpop mock-endpoint` and returns its URL.
func startMock(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"mock-endpoint", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("mock-endpoint exit: %v\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("mock-endpoint did not stop on SIGTERM")
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	m := mockAt.FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("mock-endpoint did not start: %q %v\n%s", line, err, stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	return m[1]
}

// The mock serves a CSV saved by Excel on Chinese Windows (GBK), and
// check-endpoint finds it conforming; the checker's failures exit 1 with
// the report.
func TestMockAndCheckEndpoint(t *testing.T) {
	csvText := "手机,姓名[required],付费方式[5;1=预付费;2=后付费],积分[2],生日[3],卡号[1;mask=1]\r\n" +
		"15200001028,张三,2,1200,1990-01-02,6222021234567890123\r\n" +
		"13800138000,李四,1,,,\r\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(csvText)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "customers.csv")
	if err := os.WriteFile(file, []byte(gbk), 0o600); err != nil {
		t.Fatal(err)
	}
	url := startMock(t, "--data", file)

	// The mock's own reply, as the contract spells it.
	resp, err := http.Post(url, "application/json; charset=UTF-8", strings.NewReader(`{"param": "152-0000-1028"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`"objectName":"客户信息"`, `{"valueNo":"2","name":"姓名","value":"张三","type":"1","isMandatory":true}`,
		`"value":"2","type":"5","isMandatory":false,"dictItems":[{"key":"1","value":"预付费"},{"key":"2","value":"后付费"}]`,
		`"name":"卡号","value":"6222021234567890123","type":"1","isMandatory":false,"maskStyle":"1"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("mock reply lacks %s:\n%s", want, body)
		}
	}

	// The same customer written as a platform passes it: with +86 and
	// separators, and with the "+" form decoding turned into a space.
	for _, param := range []string{"+86 152-0000-1028", " 86 152-0000-1028", "+8615200001028", " 8615200001028"} {
		body, _ := json.Marshal(map[string]string{"param": param})
		resp, err := http.Post(url, "application/json; charset=UTF-8", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(got), "张三") {
			t.Errorf("param %q: %s", param, got)
		}
	}

	check := func(args ...string) (string, int) {
		return runCLI(t, nil, append([]string{"check-endpoint", "--url", url, "--allow-http"}, args...)...)
	}
	out, code := check("--param", "15200001028", "--allow-private")
	if code != 0 || !strings.Contains(out, "no violations") || !strings.Contains(out, "rendered:   1 object, 6 values") || !strings.Contains(out, "OK") {
		t.Errorf("known customer: exit %d\n%s", code, out)
	}
	if out, code = check("--param", "19900000000", "--allow-private"); code != 0 || !strings.Contains(out, "0 objects") {
		t.Errorf("unknown customer: exit %d\n%s", code, out)
	}
	if out, code = check("--param", "15200001028"); code != 1 || !strings.Contains(out, "refused_address") || !strings.Contains(out, "--allow-private") {
		t.Errorf("loopback without --allow-private: exit %d\n%s", code, out)
	}

	// Headers reach the endpoint.
	locked := startMock(t, "--data", file, "--require-header", "Authorization: Bearer t0k")
	if out, code = runCLI(t, nil, "check-endpoint", "--url", locked, "--param", "1", "--allow-http", "--allow-private"); code != 1 || !strings.Contains(out, "401") {
		t.Errorf("without the header: exit %d\n%s", code, out)
	}
	if out, code = runCLI(t, nil, "check-endpoint", "--url", locked, "--param", "1", "--allow-http", "--allow-private", "--header", "Authorization: Bearer t0k"); code != 0 {
		t.Errorf("with the header: exit %d\n%s", code, out)
	}

	// The seed's own example: rendered, and each violation with its path and rule.
	seed, err := os.ReadFile("../../engine/querycustomer/testdata/seed_example.json")
	if err != nil {
		t.Fatal(err)
	}
	sloppy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Write(seed)
	}))
	defer sloppy.Close()
	out, code = runCLI(t, nil, "check-endpoint", "--url", sloppy.URL, "--param", "152****1028", "--allow-http", "--allow-private")
	for _, want := range []string{"rendered:   1 object, 2 values", "5 violations of the queryCustomer contract",
		"$[0].values[1].name: name is required and must be a string (got missing)",
		`$[0].values[2].dictItems: dictItems is required when type is "5"`, "FAILED"} {
		if !strings.Contains(out, want) {
			t.Errorf("seed example report lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("seed example: exit %d, want 1", code)
	}

	// A slow endpoint: the timeout state, on time.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	start := time.Now()
	out, code = runCLI(t, nil, "check-endpoint", "--url", slow.URL, "--param", "1", "--allow-http", "--allow-private", "--timeout", "300ms")
	if code != 1 || !strings.Contains(out, "timeout: no complete answer") || time.Since(start) > 3*time.Second {
		t.Errorf("slow: exit %d after %v\n%s", code, time.Since(start), out)
	}
	if out, code = runCLI(t, nil, "check-endpoint", "--url", slow.URL, "--param", "1", "--timeout", "11s"); code != 1 || !strings.Contains(out, "--timeout") {
		t.Errorf("timeout over 10s: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"check-endpoint"}, {"mock-endpoint"}} {
		if out, _ := runCLI(t, nil, append(args, "--help")...); !strings.Contains(out, "Usage:") {
			t.Errorf("%s --help:\n%s", args[0], out)
		}
	}
}

// check-endpoint against screenpop's own POST /rest/v1/queryCustomer, with
// a key bound to a published page, finds no violation.
func TestCheckEndpointAgainstOwnServer(t *testing.T) {
	dsn := testkit.NewDatabase(t)
	env := []string{"DATABASE_URL=" + dsn, "SCREENPOP_MASTER_KEY_FILE=" + filepath.Join(t.TempDir(), "master.key"),
		"SCREENPOP_CREATE_MASTER_KEY=1", "SCREENPOP_DATA_DIR=" + t.TempDir(), "SCREENPOP_DEMO=0"}
	if out, code := runCLI(t, env, "tenant", "create", "acme", "--name", "ACME"); code != 0 {
		t.Fatalf("tenant create: %s", out)
	}
	out, code := runCLI(t, env, "apikey", "create", "--tenant", "acme", "--name", "setup", "--scope", "reveal")
	admin := regexp.MustCompile(`(?m)^sp_\S+$`).FindString(out)
	if code != 0 || admin == "" {
		t.Fatalf("apikey create: %s", out)
	}
	srv := startServer(t, nil, env...)

	call := func(method, path string, body any) map[string]any {
		t.Helper()
		data, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, srv.URL+"/api/v1"+path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		out := map[string]any{}
		_ = json.Unmarshal(raw, &out)
		return out
	}
	table := call("POST", "/tables", map[string]any{"name": "客户"})
	tid := int64(table["id"].(float64))
	var fields []int64
	for _, f := range []map[string]any{
		{"name": "手机", "type": 1, "isIndex": true, "encrypted": true, "length": 20, "masked": true, "maskStyle": 1},
		{"name": "姓名", "type": 1, "mandatory": true},
		{"name": "等级", "type": 5, "dictItems": []map[string]string{{"key": "1", "value": "普通"}, {"key": "2", "value": "VIP"}}},
		{"name": "积分", "type": 2, "length": 10},
		{"name": "卡号", "type": 2, "length": 19, "encrypted": true, "masked": true, "maskStyle": 1},
		{"name": "生日", "type": 3},
		{"name": "来电时间", "type": 4},
	} {
		fields = append(fields, int64(call("POST", fmt.Sprintf("/tables/%d/fields", tid), f)["id"].(float64)))
	}
	call("POST", fmt.Sprintf("/tables/%d/publish", tid), nil)
	call("POST", fmt.Sprintf("/tables/%d/records", tid), map[string]any{"values": map[string]string{
		"手机": "15200001028", "姓名": "张三", "等级": "VIP", "积分": "1200", "卡号": "6222021234567890123", "生日": "1990-01-02", "来电时间": "2024-06-18 09:30:00"}})
	page := call("POST", "/pages", map[string]any{"name": "来电客户"})
	pid := int64(page["id"].(float64))
	objFields := []map[string]any{}
	for _, id := range fields {
		objFields = append(objFields, map[string]any{"fieldId": id})
	}
	objFields = append(objFields, map[string]any{"label": "会员", "computed": `record.积分 > 1000 ? "金卡" : "普通"`})
	call("PUT", fmt.Sprintf("/pages/%d/draft", pid), map[string]any{"definition": map[string]any{
		"layout": "block", "columns": 2, "source": "internal",
		"objects": []map[string]any{{"name": "客户信息", "tableId": tid, "fields": objFields}}}})
	call("POST", fmt.Sprintf("/pages/%d/publish", pid), map[string]any{})
	bound := call("POST", "/api-keys", map[string]any{"name": "queryCustomer", "pageId": pid})["key"].(string)
	revealing := call("POST", "/api-keys", map[string]any{"name": "queryCustomer 明文", "pageId": pid, "scopes": []string{"reveal"}})["key"].(string)

	// The same binding from the CLI, by page name; an unknown page is refused.
	out, code = runCLI(t, env, "apikey", "create", "--tenant", "acme", "--name", "cli", "--page", "来电客户")
	cliBound := regexp.MustCompile(`(?m)^sp_\S+$`).FindString(out)
	if code != 0 || cliBound == "" {
		t.Fatalf("apikey create --page: %s", out)
	}
	if out, code := runCLI(t, env, "apikey", "create", "--tenant", "acme", "--name", "x", "--page", "没有这个页面"); code == 0 || !strings.Contains(out, "Page not found.") {
		t.Errorf("apikey create --page of an unknown page: exit %d\n%s", code, out)
	}

	for _, h := range []string{"Authorization: Bearer " + bound, "X-API-Key: " + bound, "Authorization: Bearer " + revealing, "X-API-Key: " + cliBound} {
		out, code := runCLI(t, nil, "check-endpoint", "--url", srv.URL+"/rest/v1/queryCustomer", "--param", "152-0000-1028",
			"--allow-http", "--allow-private", "--header", h)
		if code != 0 || !strings.Contains(out, "no violations") || !strings.Contains(out, "rendered:   1 object, 8 values") {
			t.Errorf("%s: exit %d\n%s", strings.SplitN(h, ":", 2)[0], code, out)
		}
	}
	// A wrong key: the check fails on the 401.
	if out, code := runCLI(t, nil, "check-endpoint", "--url", srv.URL+"/rest/v1/queryCustomer", "--param", "1",
		"--allow-http", "--allow-private", "--header", "Authorization: Bearer sp_wrong"); code != 1 || !strings.Contains(out, "401") {
		t.Errorf("wrong key: exit %d\n%s", code, out)
	}
}
