package querycustomer

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Reply is what Parse understood of a queryCustomer response: the objects
// that can be rendered, and every way the response departs from the contract.
// Objects and Violations are independent: a reply full of violations usually
// still renders, and that is the point.
type Reply struct {
	Objects    []ParsedObject
	Violations []Violation
}

// Conforms reports whether the reply broke no rule of the contract.
func (r Reply) Conforms() bool { return len(r.Violations) == 0 }

// ValueCount is the number of values across all objects that can be rendered.
func (r Reply) ValueCount() int {
	n := 0
	for _, o := range r.Objects {
		n += len(o.Values)
	}
	return n
}

// ParsedObject is one renderable object: its title and its values in
// display order.
type ParsedObject struct {
	Name   string
	Values []ParsedValue
}

// ParsedValue is one renderable value, every member already normalised so
// that the page layer never looks at raw JSON.
type ParsedValue struct {
	ValueNo string // the order key as sent ("" when absent)
	Name    string
	// Display is the value as text: a JSON string as it is, a number in
	// plain decimal (never an exponent, never rounded through float64, so
	// that long IDs and phone numbers sent as numbers survive), a boolean as
	// "true"/"false", null or anything unrenderable as "".
	Display   string
	Type      ValueType // 1..5; an absent or unknown type reads as TypeString
	Length    int       // 0 when absent or unreadable
	Mandatory bool
	MaskStyle MaskStyle
	DictItems []DictItem
}

// Text is what the agent should read before masking: for a dictionary
// value the label of its key when the dictionary has it, otherwise Display.
func (v ParsedValue) Text() string {
	if v.Type == TypeDict {
		for _, d := range v.DictItems {
			if d.Key == v.Display {
				return d.Value
			}
		}
	}
	return v.Display
}

// Violation is one departure from the contract.
type Violation struct {
	Path string // JSON path of the offending member, e.g. $[0].values[2].type
	Rule string // what the contract says, in English
	Got  string // what the endpoint sent: a JSON literal, "missing", "array (3 items)"…
}

func (v Violation) String() string { return v.Path + ": " + v.Rule + " (got " + v.Got + ")" }

// The rules, one sentence per member, so that a report reads the same way
// for every endpoint and tests can match them.
const (
	RuleBOM         = "the body must be UTF-8 JSON without a byte-order mark"
	RuleUTF8        = "the body must be UTF-8 (charset=UTF-8)"
	RuleElement     = "each element of the reply array must be an object"
	RuleObjectName  = "objectName is required and must be a string"
	RuleValues      = "values is required and must be an array"
	RuleValueObject = "each element of values must be an object"
	RuleValueNo     = "valueNo must be a string"
	RuleName        = "name is required and must be a string"
	RuleValue       = "value is required and must be a JSON scalar (string, number, boolean or null)"
	RuleType        = `type is required and must be one of "1".."5" as a string`
	RuleLength      = "length must be a string holding a whole number no greater than 256"
	RuleValueLength = "value must be no longer than length"
	RuleMandatory   = "isMandatory is required and must be a boolean"
	RuleMaskStyle   = `maskStyle must be "1" or "2", or absent`
	RuleDictItems   = "dictItems must be an array of {key, value} objects"
	RuleDictNeeded  = `dictItems is required when type is "5"`
	RuleDictItem    = "each dictItem must be an object with a string key and a string value"
	RuleDictKey     = "dictItem key is required and must be a string"
	RuleDictLabel   = "dictItem value is required and must be a string"
	RuleDictUnique  = "dictItems keys must be unique"
	RuleDictValue   = `value must be one of the dictItems keys when type is "5"`
	RuleNumber      = `value must be numeric when type is "2"`
	RuleDate        = `value must be a date YYYY-MM-DD when type is "3"`
	RuleTime        = `value must be a time HH:MM[:SS] or YYYY-MM-DD HH:MM:SS when type is "4"`
	RuleTruncated   = "report truncated"
)

// maxLength is the contract's bound on the length member: "≤256字符".
const maxLength = 256

// maxViolations bounds a report: a 1 MB reply of broken values would
// otherwise produce a report larger than the reply.
const maxViolations = 500

// missing is the Got text of an absent member.
const missing = "missing"

// Parse reads a queryCustomer response body leniently. It fails only when
// the body is not JSON or is JSON whose top level is not an array, because
// then there is nothing to render; every other departure from the contract
// becomes a Violation and Parse renders what it can.
func Parse(body []byte) (Reply, error) {
	p := &parser{}
	if rest, ok := bytes.CutPrefix(body, []byte("\xef\xbb\xbf")); ok {
		// Windows-born services add a BOM; encoding/json rejects it, yet the
		// rest is usually fine, so strip it and say so.
		body = rest
		p.add(jpath{}, "", RuleBOM, "a byte-order mark")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return Reply{}, errors.New("the reply is empty; the contract wants a JSON array of objects")
	}
	top, valid, err := decode(body)
	if err != nil {
		return Reply{}, err
	}
	if !valid && !utf8.Valid(body) {
		// encoding/json replaced the bad bytes with U+FFFD; the text is
		// probably GBK sent without saying so.
		p.add(jpath{}, "", RuleUTF8, "bytes that are not UTF-8")
	}
	arr, ok := top.(*jsonArray)
	if !ok {
		return Reply{}, notArray(toStd(top))
	}
	var rep Reply
	for i, el := range arr.elems {
		if o, ok := p.object(jpath{obj: i + 1}, el.value); ok {
			if rep.Objects == nil {
				rep.Objects = make([]ParsedObject, 0, len(arr.elems)-i)
			}
			rep.Objects = append(rep.Objects, o)
		}
	}
	rep.Violations = p.violations
	if p.dropped > 0 {
		rep.Violations = append(rep.Violations, Violation{Path: "$", Rule: RuleTruncated, Got: fmt.Sprintf("%d more violations", p.dropped)})
	}
	return rep, nil
}

// decode reads the reply into a tree of decodeTree's shapes: the
// single-pass decoder for well-formed UTF-8 JSON (nearly every reply),
// encoding/json for the rest and for the error messages. valid is true
// when the body is known to be UTF-8 (the fast decoder checked it); false
// means not checked.
func decode(body []byte) (top any, valid bool, err error) {
	if top, ok := decodeTree(body); ok {
		return top, true, nil
	}
	top, err = decodeSlow(body)
	if err != nil {
		return nil, false, err
	}
	return fromStd(top), false, nil
}

func decodeSlow(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	// Numbers stay json.Number so that Display keeps every digit.
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, notJSON(err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("the reply is not JSON: more data follows the first JSON value")
	} else if !errors.Is(err, io.EOF) {
		return nil, notJSON(err)
	}
	return top, nil
}

func notJSON(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("the reply is not JSON (%v at byte %d); the contract wants a JSON array of objects", se, se.Offset)
	}
	return fmt.Errorf("the reply is not JSON (%v); the contract wants a JSON array of objects", err)
}

func notArray(top any) error {
	msg := fmt.Sprintf("the reply is a JSON %s, not an array; the contract wants a JSON array of objects ([{\"objectName\": …, \"values\": […]}])", jsonKind(top))
	if m, ok := top.(map[string]any); ok {
		// A common wrapper ({"code":0,"data":[…]}): name the member so the
		// admin knows what the endpoint should return instead.
		keys := make([]string, 0, len(m))
		for k, v := range m {
			if _, isArr := v.([]any); isArr {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			msg += fmt.Sprintf("; the array under %q should be the whole reply", keys[0])
		}
	}
	return errors.New(msg)
}

type parser struct {
	violations []Violation
	// order[i] is the index of the value that violations[i] is about (-1
	// for the object itself), so that the type-5 checks, which run after
	// all values of an object were read, can be put back in place.
	order   []int
	current int
	dropped int
}

// jpath locates a member of the reply without building its JSON path,
// which add does only when there is something to report: most replies
// report nothing. Indexes are stored plus one, so that the zero jpath is
// "$" itself.
type jpath struct {
	obj  int // $[obj-1], or 0 for the reply
	val  int // .values[val-1], or 0 for the object
	item int // .dictItems[item-1], or 0 for the value
}

func (q jpath) atValue(j int) jpath { q.val = j + 1; return q }
func (q jpath) atItem(k int) jpath  { q.item = k + 1; return q }

// String is the JSON path, e.g. $[0].values[2].dictItems[1].
func (q jpath) String() string { return string(q.append(make([]byte, 0, 48))) }

func (q jpath) append(b []byte) []byte {
	b = append(b, '$')
	for _, seg := range [...]struct {
		name string
		n    int
	}{{"[", q.obj}, {".values[", q.val}, {".dictItems[", q.item}} {
		if seg.n > 0 {
			b = append(b, seg.name...)
			b = strconv.AppendInt(b, int64(seg.n-1), 10)
			b = append(b, ']')
		}
	}
	return b
}

// add reports a violation at path q followed by member (".name", or ""
// for the element itself).
func (p *parser) add(q jpath, member, rule, got string) {
	if len(p.violations) >= maxViolations {
		p.dropped++
		return
	}
	path := string(append(q.append(make([]byte, 0, 48)), member...))
	p.violations = append(p.violations, Violation{Path: path, Rule: rule, Got: got})
	p.order = append(p.order, p.current)
}

// sortFrom orders the violations added since start by value index, stably,
// so a report reads in the reply's order.
func (p *parser) sortFrom(start int) {
	sorted := true
	for i := start + 1; i < len(p.order) && sorted; i++ {
		sorted = p.order[i-1] <= p.order[i]
	}
	if sorted {
		return // the usual case, and a stable sort would change nothing
	}
	idx := make([]int, len(p.violations)-start)
	for i := range idx {
		idx[i] = start + i
	}
	sort.SliceStable(idx, func(a, b int) bool { return p.order[idx[a]] < p.order[idx[b]] })
	vs := make([]Violation, len(idx))
	ord := make([]int, len(idx))
	for i, j := range idx {
		vs[i], ord[i] = p.violations[j], p.order[j]
	}
	copy(p.violations[start:], vs)
	copy(p.order[start:], ord)
}

// member looks name up in m. Java and .NET serialisers sometimes change the
// case of member names (ObjectName); such a member is used, and reported.
func (p *parser) member(m *jsonObject, q jpath, name string) (any, bool) {
	if v, ok := m.get(name); ok {
		return v, true
	}
	// The least spelling, so that the choice is deterministic when several
	// are present.
	key, found := "", false
	for _, mb := range m.members {
		if strings.EqualFold(mb.name, name) && (!found || mb.name < key) {
			key, found = mb.name, true
		}
	}
	if !found {
		return nil, false
	}
	v, _ := m.get(key)
	p.add(q, "."+key, fmt.Sprintf("member names are case-sensitive: the contract spells it %s", name), strconv.Quote(key))
	return v, true
}

func (p *parser) object(q jpath, el any) (ParsedObject, bool) {
	m, ok := el.(*jsonObject)
	if !ok {
		p.add(q, "", RuleElement, describe(el))
		return ParsedObject{}, false
	}
	var o ParsedObject
	start := len(p.violations)
	p.current = -1
	defer func() { p.sortFrom(start) }()
	if v, ok := p.member(m, q, "objectName"); !ok {
		p.add(q, ".objectName", RuleObjectName, missing)
	} else if s, isStr := v.(string); isStr {
		o.Name = s
	} else {
		p.add(q, ".objectName", RuleObjectName, describe(v))
		o.Name, _ = scalarText(v)
	}
	raw, ok := p.member(m, q, "values")
	if !ok {
		p.add(q, ".values", RuleValues, missing)
		return o, true
	}
	values, isArr := raw.(*jsonArray)
	if !isArr {
		p.add(q, ".values", RuleValues, describe(raw))
		return o, true
	}
	arr := values.elems
	// The drafts of a typical object live on the stack; one allocation for
	// its values.
	var small [8]draft
	var drafts []draft
	if len(arr) <= len(small) {
		drafts = small[:len(arr)]
	} else {
		drafts = make([]draft, len(arr))
	}
	for j, el := range arr {
		p.current = j
		p.value(q.atValue(j), el.value, &drafts[j])
	}
	o.Values = make([]ParsedValue, 0, len(arr))
	joinSplitDictionaries(drafts)
	for j := range drafts {
		d := &drafts[j]
		if !d.read {
			continue
		}
		p.current = j
		d.checkDict(p)
		if d.renderable() {
			o.Values = append(o.Values, d.v)
		}
	}
	sortByValueNo(o.Values)
	return o, true
}

// draft is a value between reading and rendering: what was read, plus the
// facts needed to repair a dictionary split from its value.
type draft struct {
	read                       bool // the element was an object, and was read
	path                       jpath
	v                          ParsedValue
	raw                        any // the value member as decoded
	hasName, hasValue, hasType bool
	scalar                     bool  // value is a JSON scalar (null included)
	empty                      bool  // value absent, null or ""
	hasDict                    bool  // dictItems present as an array
	dictBadShape               bool  // dictItems present but not an array (already reported)
	fragment                   bool  // only a dictionary (and valueNo): half of a split value
	joined                     bool  // a fragment that lent its dictionary, or the value that took one
	joinedFrom                 jpath // the fragment whose dictionary a value took; never $
}

// value reads one element of values into d, which it leaves unread (zero)
// when the element is not an object.
func (p *parser) value(q jpath, el any, d *draft) {
	m, ok := el.(*jsonObject)
	if !ok {
		p.add(q, "", RuleValueObject, describe(el))
		return
	}
	*d = draft{read: true, path: q}
	p.valueContent(m, q, d)
	p.valueAttributes(m, q, d)
	v := &d.v
	// Type-independent format checks run now; the dictionary checks wait
	// until split dictionaries have been joined (checkDict).
	if d.hasValue && d.scalar && !d.empty {
		p.checkFormat(q, d.raw, v)
		if n := utf8.RuneCountInString(v.Display); v.Length > 0 && n > v.Length {
			p.add(q, ".value", RuleValueLength, fmt.Sprintf("%d characters for length %d", n, v.Length))
		}
	}
	d.fragment = !d.hasName && !d.hasValue && !d.hasType && len(v.DictItems) > 0
}

// valueContent reads what a value is: its valueNo, name, value and type.
func (p *parser) valueContent(m *jsonObject, q jpath, d *draft) {
	v := &d.v
	if raw, ok := p.member(m, q, "valueNo"); ok && raw != nil {
		if s, isStr := raw.(string); isStr {
			v.ValueNo = s
		} else {
			p.add(q, ".valueNo", RuleValueNo, describe(raw))
			v.ValueNo, _ = scalarText(raw)
		}
	}

	if raw, ok := p.member(m, q, "name"); !ok {
		p.add(q, ".name", RuleName, missing)
	} else {
		d.hasName = true
		if s, isStr := raw.(string); isStr {
			v.Name = s
		} else {
			p.add(q, ".name", RuleName, describe(raw))
			v.Name, _ = scalarText(raw)
		}
	}

	if raw, ok := p.member(m, q, "value"); !ok {
		p.add(q, ".value", RuleValue, missing)
		d.empty = true
	} else {
		d.hasValue, d.raw = true, raw
		text, isScalar := scalarText(raw)
		if !isScalar {
			p.add(q, ".value", RuleValue, describe(raw))
		}
		d.scalar = isScalar
		v.Display = text
		d.empty = raw == nil || text == ""
	}

	v.Type = TypeString
	if raw, ok := p.member(m, q, "type"); !ok {
		p.add(q, ".type", RuleType, missing)
	} else {
		d.hasType = true
		t, exact := readType(raw)
		if !exact {
			p.add(q, ".type", RuleType, describe(raw))
		}
		if t != 0 {
			v.Type = t
		}
	}
}

// valueAttributes reads how a value is shown: its length, isMandatory,
// maskStyle and dictItems.
func (p *parser) valueAttributes(m *jsonObject, q jpath, d *draft) {
	v := &d.v
	if raw, ok := p.member(m, q, "length"); ok && raw != nil {
		n, good := readLength(raw)
		if !good {
			p.add(q, ".length", RuleLength, describe(raw))
		}
		v.Length = n
	}

	if raw, ok := p.member(m, q, "isMandatory"); !ok {
		p.add(q, ".isMandatory", RuleMandatory, missing)
	} else {
		b, exact := readBool(raw)
		if !exact {
			p.add(q, ".isMandatory", RuleMandatory, describe(raw))
		}
		v.Mandatory = b
	}

	if raw, ok := p.member(m, q, "maskStyle"); ok && raw != nil {
		ms, exact := readMask(raw)
		if !exact {
			p.add(q, ".maskStyle", RuleMaskStyle, describe(raw))
		}
		v.MaskStyle = ms
	}

	if raw, ok := p.member(m, q, "dictItems"); ok && raw != nil {
		items, isArr := raw.(*jsonArray)
		if !isArr {
			p.add(q, ".dictItems", RuleDictItems, describe(raw))
			d.dictBadShape = true
		} else {
			d.hasDict = true
			v.DictItems = p.dictItems(q, items.elems)
		}
	}
}

// dictItems reads the dictItems of the value at q.
func (p *parser) dictItems(q jpath, items []member) []DictItem {
	out := make([]DictItem, 0, len(items))
	// The keys seen so far are those of out; a map is only worth it for a
	// long dictionary.
	var seen map[string]bool
	if len(items) > 16 {
		seen = make(map[string]bool, len(items))
	}
	for k, item := range items {
		el := item.value
		ip := q.atItem(k)
		m, ok := el.(*jsonObject)
		if !ok {
			p.add(ip, "", RuleDictItem, describe(el))
			continue
		}
		var it DictItem
		key, ok := p.member(m, ip, "key")
		switch {
		case !ok:
			p.add(ip, ".key", RuleDictKey, missing)
			continue // an item without a key can never match a value
		case key == nil:
			p.add(ip, ".key", RuleDictKey, describe(key))
			continue
		default:
			s, isStr := key.(string)
			if !isStr {
				p.add(ip, ".key", RuleDictKey, describe(key))
				var scalar bool
				if s, scalar = scalarText(key); !scalar {
					continue
				}
			}
			it.Key = s
		}
		if label, ok := p.member(m, ip, "value"); !ok {
			p.add(ip, ".value", RuleDictLabel, missing)
		} else if s, isStr := label.(string); isStr {
			it.Value = s
		} else {
			p.add(ip, ".value", RuleDictLabel, describe(label))
			it.Value, _ = scalarText(label)
		}
		if hasKey(out, seen, it.Key) {
			// The first item wins in Text, so the later one is the fault.
			p.add(ip, ".key", RuleDictUnique, strconv.Quote(it.Key))
			continue
		}
		if seen != nil {
			seen[it.Key] = true
		}
		out = append(out, it)
	}
	return out
}

// hasKey reports whether key is among the items read so far: seen when the
// dictionary is long enough to have one, else a scan.
func hasKey(items []DictItem, seen map[string]bool, key string) bool {
	if seen != nil {
		return seen[key]
	}
	for _, it := range items {
		if it.Key == key {
			return true
		}
	}
	return false
}

// joinSplitDictionaries repairs the seed's own example (H5.3), where the
// dictionary of "付费方式" sits in a value of its own ({"valueNo": "2",
// "dictItems": […]}) and the type-5 value that needs it follows without one.
// A fragment holding nothing but a dictionary lends it, with its valueNo, to
// the nearest type-5 value in the same object that lacks one — the next
// such value first, else the previous — so the agent sees the label and not
// the bare key. The violations on both halves are still reported.
func joinSplitDictionaries(ds []draft) {
	needs := func(d *draft) bool {
		return d.read && !d.fragment && !d.joined && d.v.Type == TypeDict && !d.hasDict && !d.dictBadShape
	}
	for i := range ds {
		f := &ds[i]
		if !f.read || !f.fragment || f.joined {
			continue
		}
		target := -1
		for j := i + 1; j < len(ds) && target < 0; j++ {
			if needs(&ds[j]) {
				target = j
			}
		}
		for j := i - 1; j >= 0 && target < 0; j-- {
			if needs(&ds[j]) {
				target = j
			}
		}
		if target < 0 {
			continue
		}
		t := &ds[target]
		t.v.DictItems = f.v.DictItems
		if t.v.ValueNo == "" {
			t.v.ValueNo = f.v.ValueNo
		}
		t.joined, t.joinedFrom = true, f.path
		f.joined = true // consumed: never rendered on its own
	}
}

// checkDict runs the type-5 rules once dictionaries are where they belong.
func (d *draft) checkDict(p *parser) {
	if !d.read || d.v.Type != TypeDict || d.fragment {
		return
	}
	if !d.hasDict && !d.dictBadShape {
		got := missing
		if d.joinedFrom != (jpath{}) {
			got = "missing; the dictItems of " + d.joinedFrom.String() + " were used"
		}
		p.add(d.path, ".dictItems", RuleDictNeeded, got)
	}
	if d.hasValue && d.scalar && !d.empty && len(d.v.DictItems) > 0 {
		for _, it := range d.v.DictItems {
			if it.Key == d.v.Display {
				return
			}
		}
		p.add(d.path, ".value", RuleDictValue, strconv.Quote(d.v.Display))
	}
}

// renderable: a value is shown when it has a name or a value; a fragment
// whose dictionary found no owner, or an empty object, shows nothing.
func (d *draft) renderable() bool {
	if d.fragment {
		return false
	}
	return d.hasName || d.hasValue
}

var (
	maskedNumberRe = regexp.MustCompile(`^[+-]?[\d*]+(\.[\d*]+)?$`)
	timeRe         = regexp.MustCompile(`^\d{2}:\d{2}(:\d{2})?$`)
	stampRe        = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)
	dateRe         = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// checkFormat applies the type's format to a non-empty scalar value (path
// is the value object's, so nothing is built unless there is a fault). An
// empty value is "no data", which every type allows.
func (p *parser) checkFormat(q jpath, raw any, v *ParsedValue) {
	switch v.Type {
	case TypeNumber:
		switch x := raw.(type) {
		case json.Number:
		case string:
			x = strings.TrimSpace(x)
			// A value already masked by the endpoint (maskStyle set, 6222****0123)
			// is still a number with some digits hidden.
			masked := v.MaskStyle != MaskNone && strings.ContainsRune(x, '*') && maskedNumberRe.MatchString(x)
			if !masked && !isDecimal(x) {
				p.add(q, ".value", RuleNumber, describe(raw))
			}
		default:
			p.add(q, ".value", RuleNumber, describe(raw))
		}
	case TypeDate:
		s, isStr := raw.(string)
		if !isStr || !validDate(s) {
			p.add(q, ".value", RuleDate, describe(raw))
		}
	case TypeTime:
		s, isStr := raw.(string)
		if !isStr || !validTime(s) {
			p.add(q, ".value", RuleTime, describe(raw))
		}
	}
}

func validDate(s string) bool {
	if !dateRe.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s) // rejects 2024-02-30
	return err == nil
}

func validTime(s string) bool {
	switch {
	case timeRe.MatchString(s):
		layout := "15:04"
		if len(s) == 8 {
			layout = time.TimeOnly
		}
		_, err := time.Parse(layout, s)
		return err == nil
	case stampRe.MatchString(s):
		_, err := time.Parse(time.DateTime, s)
		return err == nil
	}
	return false
}

// readType returns the type and whether it was sent exactly as the contract
// wants. A number (1) or a padded string (" 1") is understood but inexact;
// anything else gives 0 (the caller falls back to TypeString).
func readType(raw any) (ValueType, bool) {
	var s string
	exact := false
	switch x := raw.(type) {
	case string:
		s = strings.TrimSpace(x)
		exact = s == x
	case json.Number:
		s = x.String()
	default:
		return 0, false
	}
	if len(s) == 1 && s[0] >= '1' && s[0] <= '5' {
		return ValueType(s[0] - '0'), exact
	}
	return 0, false
}

func readLength(raw any) (int, bool) {
	var s string
	exact := false
	switch x := raw.(type) {
	case string:
		s, exact = x, true
	case json.Number:
		s = x.String()
	default:
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, exact && n <= maxLength && strings.TrimSpace(s) == s
}

func readBool(raw any) (bool, bool) {
	switch x := raw.(type) {
	case bool:
		return x, true
	case string:
		return strings.EqualFold(strings.TrimSpace(x), "true") || strings.TrimSpace(x) == "1", false
	case json.Number:
		return x.String() == "1", false
	}
	return false, false
}

func readMask(raw any) (MaskStyle, bool) {
	switch x := raw.(type) {
	case string:
		switch x {
		case "":
			return MaskNone, true // the seed: "空或不传正常展示"
		case "1", "2":
			return MaskStyle(x[0] - '0'), true
		}
		if t := strings.TrimSpace(x); t == "1" || t == "2" {
			return MaskStyle(t[0] - '0'), false
		}
	case json.Number:
		if s := x.String(); s == "1" || s == "2" {
			return MaskStyle(s[0] - '0'), false
		}
	}
	return MaskNone, false
}

// sortByValueNo orders values by numeric valueNo when every value has one
// and all are numbers; otherwise the reply's order stands. The sort is
// stable, so equal numbers keep the reply's order.
func sortByValueNo(vs []ParsedValue) {
	if len(vs) < 2 {
		return
	}
	type keyed struct {
		key float64
		v   ParsedValue
	}
	keys := make([]float64, len(vs))
	inOrder := true
	for i, v := range vs {
		s := strings.TrimSpace(v.ValueNo)
		if !isDecimal(s) {
			return
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return
		}
		keys[i] = f
		inOrder = inOrder && (i == 0 || keys[i-1] <= f)
	}
	if inOrder {
		return // the usual case: the endpoint already sent them in order
	}
	ks := make([]keyed, len(vs))
	for i := range vs {
		ks[i] = keyed{keys[i], vs[i]}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	for i := range ks {
		vs[i] = ks[i].v
	}
}

// isDecimal reports whether s is a plain decimal number, optionally signed
// and with an exponent: ^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$, without a
// regexp on the per-value path.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			n++
		}
		return n
	}
	intDigits := digits()
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		fracDigits = digits()
	}
	if intDigits == 0 && fracDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// scalarText renders a decoded JSON scalar as text; ok is false for arrays
// and objects, which have no text.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return plainNumber(x.String()), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// maxExpand bounds how far plainNumber shifts the decimal point: 1e999999
// would otherwise become a megabyte of zeros.
const maxExpand = 400

// plainNumber writes a JSON number literal without an exponent, exactly:
// the digits are moved, never passed through float64, so 12345678901234567890
// and 1.10 keep every digit.
func plainNumber(lit string) string {
	e := strings.IndexAny(lit, "eE")
	if e < 0 {
		return lit
	}
	mant, expStr := lit[:e], lit[e+1:]
	exp, err := strconv.Atoi(expStr)
	if err != nil || exp > maxExpand || exp < -maxExpand {
		return lit
	}
	sign := ""
	if strings.HasPrefix(mant, "-") {
		sign, mant = "-", mant[1:]
	}
	intPart, fracPart, _ := strings.Cut(mant, ".")
	digits := intPart + fracPart
	point := len(intPart) + exp
	var s string
	switch {
	case point <= 0:
		s = "0." + strings.Repeat("0", -point) + digits
	case point >= len(digits):
		s = digits + strings.Repeat("0", point-len(digits))
	default:
		s = digits[:point] + "." + digits[point:]
	}
	ip, fp, hasFrac := strings.Cut(s, ".")
	ip = strings.TrimLeft(ip, "0")
	if ip == "" {
		ip = "0"
	}
	if hasFrac {
		fp = strings.TrimRight(fp, "0")
	}
	s = ip
	if fp != "" {
		s += "." + fp
	}
	if s == "0" {
		sign = "" // -0e5 is zero
	}
	return sign + s
}

// describe renders what was received for a Violation's Got: scalars as JSON
// literals (long strings cut), containers by kind and size.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		const max = 60
		if utf8.RuneCountInString(x) > max {
			r := []rune(x)
			return strconv.Quote(string(r[:max])) + "…"
		}
		return strconv.Quote(x)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case *jsonArray:
		return fmt.Sprintf("array (%d items)", len(x.elems))
	case *jsonObject:
		return "object"
	case []any:
		return fmt.Sprintf("array (%d items)", len(x))
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	}
	return "value"
}
