package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/screenpop/screenpop/engine/pops/dialect"
	"github.com/screenpop/screenpop/engine/querycustomer"
	"github.com/screenpop/screenpop/importer"
	"github.com/screenpop/screenpop/tables"
)

// privateRanges are what --allow-private opens besides loopback: the
// private and unique-local ranges where enterprises run their systems.
// Link-local addresses (169.254.169.254, cloud metadata) stay refused.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("fc00::/7"),
}

func (c *cli) checkEndpointCmd() *cobra.Command {
	var (
		o       checkOptions
		headers []string
	)
	cmd := &cobra.Command{
		Use:   "check-endpoint --url URL --param VALUE",
		Short: "Query a queryCustomer endpoint once and report how it departs from the contract",
		Long: `Sends POST {"param": VALUE} to URL exactly as screenpop does for an external page
(same client: https only, no redirects to other hosts, 1 MB cap, the timeout),
and prints a conformance report: the status, the time taken, what could be
rendered, and each violation of the queryCustomer contract with its JSON path
and what the contract says. Exits with status 1 when the query failed or the
reply broke any rule, so it fits in a CI job.

The address guard refuses loopback, private and link-local addresses as the
server does. To check an endpoint on your own machine or network, pass
--allow-private: it opens loopback and the private ranges (10/8, 172.16/12,
192.168/16, 100.64/10, fc00::/7) for this run only, and you take
responsibility for where the request goes. Link-local addresses such as the
cloud metadata service 169.254.169.254 stay refused.`,
		Example: `  screenpop check-endpoint --url https://crm.example.com/rest/v1/queryCustomer --param 15200001028 \
      --header "Authorization: Bearer $TOKEN"
  screenpop check-endpoint --url http://127.0.0.1:8090/rest/v1/queryCustomer --param 13800138000 --allow-http --allow-private`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			h, err := parseHeaderFlags(headers)
			if err != nil {
				return err
			}
			o.headers = h
			return checkEndpoint(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.url, "url", "", "the endpoint, e.g. https://crm.example.com/rest/v1/queryCustomer (required)")
	f.StringVar(&o.param, "param", "", "the customer number to ask for (required)")
	f.StringArrayVar(&headers, "header", nil, `an extra request header "Name: value" (repeatable)`)
	f.DurationVar(&o.timeout, "timeout", querycustomer.DefaultTimeout, "give up after this long (at most 10s)")
	f.IntVar(&o.retries, "retries", 0, "repeat a query whose connection failed, 0 to 2")
	f.BoolVar(&o.allowHTTP, "allow-http", false, "allow a plain http:// URL")
	f.BoolVar(&o.allowPrivate, "allow-private", false, "allow loopback and private addresses (you take responsibility)")
	_ = cmd.MarkFlagRequired("url")
	_ = cmd.MarkFlagRequired("param")
	return cmd
}

type checkOptions struct {
	url, param              string
	headers                 map[string]string
	timeout                 time.Duration
	retries                 int
	allowHTTP, allowPrivate bool
}

// errNonConforming ends check-endpoint with status 1 after the report.
var errNonConforming = errors.New("the endpoint failed the check (see the report above)")

func checkEndpoint(ctx context.Context, w io.Writer, o checkOptions) error {
	if o.timeout <= 0 || o.timeout > querycustomer.MaxTimeout {
		return fmt.Errorf("--timeout must be between 1ms and %v", querycustomer.MaxTimeout)
	}
	if o.retries < 0 || o.retries > querycustomer.MaxRetries {
		return fmt.Errorf("--retries must be 0 to %d", querycustomer.MaxRetries)
	}
	opts := querycustomer.Options{}
	if o.allowPrivate {
		opts.AllowLoopback, opts.AllowPrefixes = true, privateRanges
	}
	client := querycustomer.NewClient(opts)
	defer client.CloseIdleConnections()
	ep := querycustomer.Endpoint{URL: o.url, Headers: o.headers, Timeout: o.timeout, Retries: o.retries, AllowHTTP: o.allowHTTP}
	fmt.Fprintf(w, "POST %s  {\"param\": %q}\n", o.url, o.param)
	res, err := client.Query(ctx, ep, o.param)
	if werr := querycustomer.WriteReport(w, res); werr != nil {
		return werr
	}
	if err != nil {
		var qe *querycustomer.Error
		if errors.As(err, &qe) && res != nil && len(res.Raw) > 0 && (qe.Kind == querycustomer.KindNotJSON || qe.Kind == querycustomer.KindHTTPStatus) {
			fmt.Fprintf(w, "body starts: %s\n", preview(res.Raw, 300))
		}
		fmt.Fprintf(w, "FAILED: %v\n", err)
		if errors.As(err, &qe) && qe.Kind == querycustomer.KindRefusedAddress && !o.allowPrivate {
			fmt.Fprintln(w, "(for an endpoint on this machine or network, add --allow-private)")
		}
		return errNonConforming
	}
	if !res.Reply.Conforms() {
		fmt.Fprintln(w, "FAILED: the reply departs from the queryCustomer contract")
		return errNonConforming
	}
	fmt.Fprintln(w, "OK")
	return nil
}

// preview is the start of a body as one line of text.
func preview(b []byte, n int) string {
	s := string(b)
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.Join(strings.Fields(s), " ")
}

// parseHeaderFlags reads "Name: value" (or "Name:value") flags.
func parseHeaderFlags(flags []string) (map[string]string, error) {
	h := map[string]string{}
	for _, f := range flags {
		name, value, ok := strings.Cut(f, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf(`--header %q: write "Name: value"`, f)
		}
		h[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	return h, nil
}

func (c *cli) mockEndpointCmd() *cobra.Command {
	var (
		addr, data, path, object string
		require                  []string
	)
	cmd := &cobra.Command{
		Use:   "mock-endpoint --data FILE.csv",
		Short: "Serve the queryCustomer contract from a CSV file, to try external pages without a CRM",
		Long: `Serves POST {"param": …} on --path, answering from a CSV file the way an
enterprise's queryCustomer endpoint would, so an admin can build and preview
external pages (and the operator can register an interface) without a CRM.

The file (UTF-8, with or without BOM, GBK/GB18030 or UTF-16, as Excel saves it):
  - the first row names the values; the first column is the lookup key;
  - each later row is one customer: a query whose param equals its first
    cell (or has the same digits, so 152-0000-1028 finds 15200001028) gets
    one object (--object) with one value per column, in column order;
  - an unknown param gets [];
  - a header cell may carry the contract's metadata in brackets, parts
    separated by ";":  积分[2]  生日[3]  时间[4]  手机[1;mask=1]  姓名[required]
    付费方式[5;1=预付费;2=后付费]  — the type (1 string, 2 number, 3 date,
    4 time, 5 dictionary with key=label items), mask=1 (show the last four)
    or mask=2 (the first four), required (isMandatory true). Without
    brackets a value is a string; the key column is always required.

--require-header "Name: value" makes the mock refuse (401) requests without
that header, to try an interface's extra headers.`,
		Example: `  printf '手机,姓名,付费方式[5;1=预付费;2=后付费]\n15200001028,张三,2\n' > customers.csv
  screenpop mock-endpoint --addr 127.0.0.1:8090 --data customers.csv
  screenpop check-endpoint --url http://127.0.0.1:8090/rest/v1/queryCustomer --param 15200001028 --allow-http --allow-private`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := os.Open(data)
			if err != nil {
				return err
			}
			m, err := loadMockCSV(f, object)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", data, err)
			}
			req, err := parseHeaderFlags(require)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: m.handler(path, req), ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(cmd.OutOrStdout(), "mock queryCustomer endpoint on http://%s%s: %d customers from %s\n", ln.Addr(), path, len(m.rows), data)
			go func() {
				<-cmd.Context().Done()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = srv.Shutdown(ctx)
			}()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", "127.0.0.1:8090", "listen address")
	f.StringVar(&data, "data", "", "the CSV file (required)")
	f.StringVar(&path, "path", querycustomer.DefaultPath, "request path")
	f.StringVar(&object, "object", "客户信息", "the objectName of every reply")
	f.StringArrayVar(&require, "require-header", nil, `refuse requests without this header "Name: value" (repeatable)`)
	_ = cmd.MarkFlagRequired("data")
	return cmd
}

// mockColumn is one CSV column: a value's name and contract metadata.
type mockColumn struct {
	name      string
	typ       string
	maskStyle string
	mandatory bool
	dict      []querycustomer.DictItem
}

// mockData is a loaded CSV: columns and rows by key.
type mockData struct {
	object  string
	columns []mockColumn
	rows    map[string][]string // key as written → cells
	digits  map[string]string   // digits of a key → the key
}

func loadMockCSV(r io.Reader, object string) (*mockData, error) {
	dr, _, err := importer.NewDecodingReader(r)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(dr)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("no header row: %w", err)
	}
	m := &mockData{object: object, rows: map[string][]string{}, digits: map[string]string{}}
	for i, cell := range header {
		col, err := parseMockColumn(cell)
		if err != nil {
			return nil, fmt.Errorf("column %d (%q): %w", i+1, cell, err)
		}
		if i == 0 {
			col.mandatory = true
		}
		m.columns = append(m.columns, col)
	}
	line := 1
	for {
		rec, err := cr.Read()
		line++
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		key := strings.TrimSpace(rec[0])
		if key == "" {
			continue
		}
		if len(rec) > len(m.columns) {
			return nil, fmt.Errorf("line %d has %d cells for %d columns", line, len(rec), len(m.columns))
		}
		if _, dup := m.rows[key]; dup {
			continue // the first row of a key wins
		}
		m.rows[key] = rec
		if d := digitsOf(key); d != "" {
			if _, taken := m.digits[d]; !taken {
				m.digits[d] = key
			}
		}
	}
	return m, nil
}

// parseMockColumn reads "name" or "name[part;part…]".
func parseMockColumn(cell string) (mockColumn, error) {
	cell = strings.TrimSpace(cell)
	col := mockColumn{name: cell, typ: "1"}
	open := strings.IndexByte(cell, '[')
	if open < 0 || !strings.HasSuffix(cell, "]") {
		if col.name == "" {
			return col, errors.New("empty name")
		}
		return col, nil
	}
	col.name = strings.TrimSpace(cell[:open])
	if col.name == "" {
		return col, errors.New("empty name")
	}
	for _, part := range strings.Split(cell[open+1:len(cell)-1], ";") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case len(part) == 1 && part[0] >= '1' && part[0] <= '5':
			col.typ = part
		case part == "required":
			col.mandatory = true
		case part == "mask=1" || part == "mask=2":
			col.maskStyle = part[5:]
		case strings.Contains(part, "="):
			k, v, _ := strings.Cut(part, "=")
			col.dict = append(col.dict, querycustomer.DictItem{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v)})
		default:
			return col, fmt.Errorf("%q is not a type (1-5), required, mask=1, mask=2 or key=label", part)
		}
	}
	if col.typ == "5" && len(col.dict) == 0 {
		return col, errors.New("a dictionary (type 5) needs key=label items")
	}
	if col.typ != "5" && len(col.dict) > 0 {
		return col, errors.New("key=label items belong to a dictionary: add 5 as the type")
	}
	return col, nil
}

func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// find returns the row of a param.
func (m *mockData) find(param string) []string {
	// A "+" that reached us as a space (a caller that form-decoded
	// +86…) is a "+" again.
	param = strings.TrimSpace(dialect.RestorePlus(param))
	if rec, ok := m.rows[param]; ok {
		return rec
	}
	// The key form of a phone number drops separators and a +86 or 0086
	// prefix, so "+86 152-0000-1028" finds 15200001028.
	for _, p := range []string{param, tables.NormalizeIndex(param)} {
		if d := digitsOf(p); d != "" {
			if key, ok := m.digits[d]; ok {
				return m.rows[key]
			}
		}
	}
	return nil
}

// reply builds the contract's answer for a param.
func (m *mockData) reply(param string) []querycustomer.Object {
	rec := m.find(param)
	if rec == nil {
		return []querycustomer.Object{}
	}
	obj := querycustomer.Object{ObjectName: m.object, Values: make([]querycustomer.Value, 0, len(m.columns))}
	for i, col := range m.columns {
		cell := ""
		if i < len(rec) {
			cell = strings.TrimSpace(rec[i])
		}
		obj.Values = append(obj.Values, querycustomer.Value{
			ValueNo: strconv.Itoa(i + 1), Name: col.name, Value: cell, Type: col.typ,
			IsMandatory: col.mandatory, MaskStyle: col.maskStyle, DictItems: col.dict,
		})
	}
	return []querycustomer.Object{obj}
}

func (m *mockData) handler(path string, require map[string]string) http.Handler {
	problem := func(w http.ResponseWriter, status int, detail string) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": detail})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path != path:
			problem(w, http.StatusNotFound, "the endpoint is "+path)
			return
		case r.Method != http.MethodPost:
			w.Header().Set("Allow", http.MethodPost)
			problem(w, http.StatusMethodNotAllowed, `POST {"param": "…"}`)
			return
		}
		for k, v := range require {
			if r.Header.Get(k) != v {
				problem(w, http.StatusUnauthorized, "missing or wrong header "+k)
				return
			}
		}
		var req struct {
			Param *string `json:"param"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || req.Param == nil {
			problem(w, http.StatusBadRequest, `send {"param": "<customer number>"}`)
			return
		}
		body, _ := json.Marshal(m.reply(*req.Param))
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		_, _ = w.Write(body)
	})
}
