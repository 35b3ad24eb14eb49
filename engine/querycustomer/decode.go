package querycustomer

import (
	"bytes"
	"encoding/json"
	"sort"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeFast decodes one complete JSON document into the values that
// encoding/json's Decoder with UseNumber produces for an `any` — objects as
// map[string]any (the last of duplicate members wins), arrays as []any,
// strings, json.Number, bool and nil. It is decodeTree's result in
// encoding/json's shapes: FuzzDecodeFast checks that whatever this accepts,
// encoding/json decodes to the same value, and so checks decodeTree.
func decodeFast(b []byte) (v any, ok bool) {
	v, ok = decodeTree(b)
	if !ok {
		return nil, false
	}
	return toStd(v), true
}

// decodeTree is the fast path of Parse: it decodes one complete JSON
// document in one pass, with objects as *jsonObject and arrays as
// *jsonArray (scalars as encoding/json gives them: string, json.Number,
// bool, nil). A reply of a few hundred bytes arrives with every pop, and
// encoding/json's two passes (scan, then decode through reflection) were
// the largest part of the client's CPU per query; maps were most of the
// rest.
//
// It reports ok=false for anything it does not take on — invalid JSON,
// bytes that are not UTF-8, trailing data, nesting beyond maxDepth — and
// Parse then runs encoding/json, whose verdict and error messages stay the
// reference.
func decodeTree(b []byte) (v any, ok bool) {
	if !utf8.Valid(b) {
		return nil, false
	}
	d := fastDecoder{b: b}
	if sc, _ := scratchPool.Get().(*[]member); sc != nil {
		d.stack = *sc
		defer func() {
			if cap(d.stack) <= maxScratch {
				clear(d.stack) // hold on to no reply (popped entries are cleared)
				*sc = d.stack[:0]
				scratchPool.Put(sc)
			}
		}()
	}
	d.space()
	v, ok = d.value(0)
	if !ok {
		return nil, false
	}
	d.space()
	return v, d.i == len(d.b)
}

// scratchPool keeps the decoders' stacks (*[]member) from one reply to the
// next; one that grew beyond maxScratch is left to the collector.
var scratchPool = sync.Pool{New: func() any { s := make([]member, 0, 32); return &s }}

const maxScratch = 4096

// jsonObject is an object as decodeTree reads it: its members in the order
// sent, duplicates included; get finds the last, the one encoding/json
// keeps.
type jsonObject struct{ members []member }

// member is a member of an object, or an element of an array (name "").
type member struct {
	name  string
	value any
}

func (o *jsonObject) get(name string) (any, bool) {
	for i := len(o.members) - 1; i >= 0; i-- {
		if o.members[i].name == name {
			return o.members[i].value, true
		}
	}
	return nil, false
}

// jsonArray is an array as decodeTree reads it: its elements are the values
// of elems.
type jsonArray struct{ elems []member }

// toStd turns a tree of decodeTree into encoding/json's shapes.
func toStd(v any) any {
	switch x := v.(type) {
	case *jsonObject:
		m := make(map[string]any, len(x.members))
		for _, mb := range x.members {
			m[mb.name] = toStd(mb.value) // the last of duplicates wins
		}
		return m
	case *jsonArray:
		a := make([]any, len(x.elems))
		for i, e := range x.elems {
			a[i] = toStd(e.value)
		}
		return a
	}
	return v
}

// fromStd turns encoding/json's shapes into a tree like decodeTree's, for
// the replies only encoding/json takes.
func fromStd(v any) any {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := &jsonObject{members: make([]member, len(keys))}
		for i, k := range keys {
			o.members[i] = member{k, fromStd(x[k])}
		}
		return o
	case []any:
		a := &jsonArray{elems: make([]member, len(x))}
		for i, e := range x {
			a.elems[i] = member{"", fromStd(e)}
		}
		return a
	}
	return v
}

const maxDepth = 1000

type fastDecoder struct {
	b     []byte
	i     int
	stack []member // members and elements of the containers being read, innermost last
	// Slabs that finished containers are carved from: a typical reply
	// takes one of each.
	kids  []member
	objs  []jsonObject
	arrs  []jsonArray
	sized [3]bool // the first slab of kids, objs, arrs was sized from the body
}

// slab bounds the slabs after the first.
const slab = 256

// slabSize is the size of a new slab of kind k that must hold n: the
// first is sized from the body, by counting the bytes that its contents
// need (an upper bound, as strings may hold them too), so that a typical
// reply takes one slab of each kind; later ones hold slab.
func (d *fastDecoder) slabSize(k int, n int, needs string) int {
	size := slab
	if !d.sized[k] {
		d.sized[k] = true
		size = 0
		for i := range len(needs) {
			size += bytes.Count(d.b, []byte{needs[i]})
		}
		size = min(size, slab)
	}
	return max(n, size)
}

// carve takes n members or elements from d.kids, or from a new slab. Each
// member or element is followed by a comma, or is the first of its
// container.
func (d *fastDecoder) carve(n int) []member {
	if len(d.kids) < n {
		d.kids = make([]member, d.slabSize(0, n, ",{["))
	}
	s := d.kids[:n:n]
	d.kids = d.kids[n:]
	return s
}

// finish carves the members or elements above base off the stack.
func (d *fastDecoder) finish(base int) []member {
	ms := d.carve(len(d.stack) - base)
	copy(ms, d.stack[base:])
	clear(d.stack[base:])
	d.stack = d.stack[:base]
	return ms
}

func (d *fastDecoder) newObject(ms []member) *jsonObject {
	if len(d.objs) == 0 {
		d.objs = make([]jsonObject, d.slabSize(1, 1, "{"))
	}
	o := &d.objs[0]
	d.objs = d.objs[1:]
	o.members = ms
	return o
}

func (d *fastDecoder) newArray(es []member) *jsonArray {
	if len(d.arrs) == 0 {
		d.arrs = make([]jsonArray, d.slabSize(2, 1, "["))
	}
	a := &d.arrs[0]
	d.arrs = d.arrs[1:]
	a.elems = es
	return a
}

func (d *fastDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) value(depth int) (any, bool) {
	if d.i >= len(d.b) || depth > maxDepth {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		s, ok := d.string()
		if len(s) == 1 && s[0] < 128 {
			return oneByteAny[s[0]], ok // boxed once, at init
		}
		return s, ok
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, false
}

func (d *fastDecoder) literal(word string) bool {
	if len(d.b)-d.i < len(word) || string(d.b[d.i:d.i+len(word)]) != word {
		return false
	}
	d.i += len(word)
	return true
}

// object collects the members on d.stack and copies them out once, into a
// slab shared with the other containers of the document.
func (d *fastDecoder) object(depth int) (any, bool) {
	d.i++ // {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == '}' {
		d.i++
		return d.newObject(nil), true
	}
	base := len(d.stack)
	for {
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return nil, false
		}
		k, ok := d.string()
		if !ok {
			return nil, false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return nil, false
		}
		d.i++
		d.space()
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		d.stack = append(d.stack, member{k, v})
		d.space()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case '}':
			d.i++
			return d.newObject(d.finish(base)), true
		default:
			return nil, false
		}
	}
}

// array collects the elements on d.stack and copies them out once, into a
// slab shared with the other containers of the document.
func (d *fastDecoder) array(depth int) (any, bool) {
	d.i++ // [
	d.space()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return d.newArray(nil), true
	}
	base := len(d.stack)
	for {
		d.space()
		v, ok := d.value(depth + 1)
		if !ok {
			return nil, false
		}
		d.stack = append(d.stack, member{"", v})
		d.space()
		if d.i >= len(d.b) {
			return nil, false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
		case ']':
			d.i++
			return d.newArray(d.finish(base)), true
		default:
			return nil, false
		}
	}
}

// string reads a JSON string; the common case without escapes is one
// allocation, for the string itself, and none for a member name of the
// contract or a one-byte string (see intern).
func (d *fastDecoder) string() (string, bool) {
	d.i++ // "
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := intern(d.b[start:d.i])
			d.i++
			return s, true
		case c == '\\':
			return d.escaped(start)
		case c < 0x20:
			return "", false
		}
		d.i++
	}
	return "", false
}

// escaped finishes a string that has escapes, as encoding/json unquotes
// them: a lone or mismatched surrogate becomes U+FFFD.
func (d *fastDecoder) escaped(start int) (string, bool) {
	out := make([]byte, 0, d.i-start+16)
	out = append(out, d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			d.i++
			continue
		}
		if d.i+1 >= len(d.b) {
			return "", false
		}
		e := d.b[d.i+1]
		d.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r) {
				if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
					save := d.i
					d.i += 2
					r2, ok := d.hex4()
					if !ok {
						return "", false
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						out = utf8.AppendRune(out, dec)
						continue
					}
					d.i = save // the next escape stands on its own
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return "", false
}

func (d *fastDecoder) hex4() (rune, bool) {
	if len(d.b)-d.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	d.i += 4
	return r, true
}

// number reads a JSON number: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func (d *fastDecoder) number() (any, bool) {
	start := d.i
	digits := func() int {
		n := 0
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.b[d.i] == '-' {
		d.i++
	}
	if d.i < len(d.b) && d.b[d.i] == '0' {
		d.i++
	} else if digits() == 0 {
		return nil, false
	}
	if d.i < len(d.b) && d.b[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return nil, false
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	if d.i-start == 1 {
		return oneDigitAny[d.b[start]-'0'], true // boxed once, at init
	}
	return json.Number(d.b[start:d.i]), true
}

// oneByte holds every one-byte string, so "1".."5", "Y" and the like cost
// no allocation.
var oneByte = func() (t [128]string) {
	for i := range t {
		t[i] = string(rune(i))
	}
	return t
}()

// oneByteAny and oneDigitAny are oneByte's strings and the one-digit
// numbers already boxed, so that a value "1" or 5 costs no allocation
// either.
var (
	oneByteAny = func() (t [128]any) {
		for i := range t {
			t[i] = oneByte[i]
		}
		return t
	}()
	oneDigitAny = func() (t [10]any) {
		for i := range t {
			t[i] = json.Number(oneByte['0'+i])
		}
		return t
	}()
)

// intern returns the contract's member names and one-byte strings without
// allocating: they make up half the strings of a typical reply.
func intern(b []byte) string {
	if len(b) == 1 && b[0] < 128 {
		return oneByte[b[0]]
	}
	switch string(b) { // the compiler compares without allocating
	case "objectName":
		return "objectName"
	case "values":
		return "values"
	case "valueNo":
		return "valueNo"
	case "name":
		return "name"
	case "value":
		return "value"
	case "type":
		return "type"
	case "length":
		return "length"
	case "isMandatory":
		return "isMandatory"
	case "maskStyle":
		return "maskStyle"
	case "dictItems":
		return "dictItems"
	case "key":
		return "key"
	case "":
		return ""
	}
	return string(b)
}
