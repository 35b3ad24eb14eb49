package importer

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScan tokenizes the XML of workbook parts: start and end tags with
// their attributes, and text with its entities decoded. It is written for
// what spreadsheet producers write — no DTDs (refused, so no entity
// expansion), namespaces by prefix only (names are reported by their local
// part) — because encoding/xml reads some 10 MB/s, and a 20 MB workbook
// holds well over 100 MB of sheet XML. Memory is one buffer that holds the
// longest token, up to maxXMLToken.
type xmlScan struct {
	r        io.Reader
	buf      []byte
	pos, end int
	eof      bool

	kind      tokKind
	name      []byte    // local name of a tag
	attrs     []xmlAttr // raw values, entities not yet decoded
	selfClose bool      // <x/>: no end token follows
	text      []byte    // decoded text of a text token (valid until next)
	scratch   []byte
}

type tokKind uint8

const (
	tokStart tokKind = iota + 1
	tokEnd
	tokText
)

type xmlAttr struct {
	name, value []byte // local name; raw value
}

// maxXMLToken bounds one tag or text run: a cell holds at most 32,767
// characters, which with entities stays far below.
const maxXMLToken = 4 << 20

var errXML = errors.New("malformed XML")

func newXMLScan(r io.Reader) *xmlScan {
	return &xmlScan{r: r, buf: make([]byte, 64<<10)}
}

// fill reads more input, keeping buf[pos:end]; false at the end of input.
func (s *xmlScan) fill() (bool, error) {
	if s.eof {
		return false, nil
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= maxXMLToken {
			return false, errors.New("an XML token is too long")
		}
		nb := make([]byte, len(s.buf)*2)
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	n, err := s.r.Read(s.buf[s.end:])
	s.end += n
	if err == io.EOF {
		s.eof = true
		return n > 0, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// find returns the offset from pos of sep, reading more input as needed;
// -1 at the end of input.
func (s *xmlScan) find(sep []byte, from int) (int, error) {
	for {
		if i := bytes.Index(s.buf[s.pos+from:s.end], sep); i >= 0 {
			return from + i, nil
		}
		from = max(0, s.end-s.pos-len(sep)+1)
		more, err := s.fill()
		if err != nil {
			return -1, err
		}
		if !more {
			return -1, nil
		}
	}
}

// next reads the next tag or text token; io.EOF at the end.
func (s *xmlScan) next() error {
	for {
		if s.pos == s.end {
			more, err := s.fill()
			if err != nil {
				return err
			}
			if !more {
				return io.EOF
			}
		}
		if s.buf[s.pos] != '<' {
			return s.readText()
		}
		// Enough bytes to tell the kind of markup.
		for s.end-s.pos < 9 {
			more, err := s.fill()
			if err != nil {
				return err
			}
			if !more {
				break
			}
		}
		rest := s.buf[s.pos:s.end]
		if len(rest) > 1 && rest[1] != '?' && rest[1] != '!' {
			return s.readTag() // the usual case: a tag, none of the markup below
		}
		switch {
		case bytes.HasPrefix(rest, []byte("<?")):
			if err := s.skipPast([]byte("?>")); err != nil {
				return err
			}
		case bytes.HasPrefix(rest, []byte("<!--")):
			if err := s.skipPast([]byte("-->")); err != nil {
				return err
			}
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i, err := s.find([]byte("]]>"), 9)
			if err != nil || i < 0 {
				return orXML(err)
			}
			s.kind = tokText
			s.text = append(s.scratch[:0], s.buf[s.pos+9:s.pos+i]...)
			s.scratch = s.text
			s.pos += i + 3
			return nil
		case bytes.HasPrefix(rest, []byte("<!")):
			return errors.New("a DTD or declaration in workbook XML")
		default:
			return s.readTag()
		}
	}
}

func orXML(err error) error {
	if err != nil {
		return err
	}
	return errXML
}

func (s *xmlScan) skipPast(sep []byte) error {
	i, err := s.find(sep, 2)
	if err != nil || i < 0 {
		return orXML(err)
	}
	s.pos += i + len(sep)
	return nil
}

// readText reads up to the next '<'.
func (s *xmlScan) readText() error {
	i, err := s.find([]byte("<"), 0)
	if err != nil {
		return err
	}
	if i < 0 {
		i = s.end - s.pos // trailing text at the end of input
	}
	raw := s.buf[s.pos : s.pos+i]
	s.pos += i
	s.kind = tokText
	s.text, err = decodeEntities(s.scratch[:0], raw)
	s.scratch = s.text
	return err
}

// readTag reads a start or end tag, honouring quotes in attribute values
// (a '>' inside one does not end the tag).
func (s *xmlScan) readTag() error {
	from := 1
	for {
		i := bytes.IndexByte(s.buf[s.pos+from:s.end], '>')
		if i >= 0 {
			i += from
			tag := s.buf[s.pos+1 : s.pos+i]
			if !openQuote(tag) {
				s.pos += i + 1
				return s.parseTag(tag)
			}
			from = i + 1
			continue
		}
		from = s.end - s.pos
		more, err := s.fill()
		if err != nil {
			return err
		}
		if !more {
			return errXML
		}
	}
}

// openQuote reports whether tag ends inside a quoted attribute value.
func openQuote(tag []byte) bool {
	if bytes.IndexByte(tag, '\'') < 0 {
		// Double quotes only, as spreadsheet producers write: open after
		// an odd number of them (counted a word at a time).
		return bytes.Count(tag, []byte{'"'})%2 == 1
	}
	return openQuoteEach(tag)
}

// openQuoteEach is openQuote quote by quote, for a tag with both kinds:
// a quote opens a value that only the same kind closes.
func openQuoteEach(tag []byte) bool {
	var quote byte
	for _, c := range tag {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		}
	}
	return quote != 0
}

func (s *xmlScan) parseTag(tag []byte) error {
	s.attrs = s.attrs[:0]
	s.selfClose = false
	if len(tag) > 0 && tag[0] == '/' {
		s.kind = tokEnd
		s.name = localName(bytes.TrimSpace(tag[1:]))
		return nil
	}
	if n := len(tag); n > 0 && tag[n-1] == '/' {
		s.selfClose = true
		tag = tag[:n-1]
	}
	s.kind = tokStart
	j := 0
	for j < len(tag) && !isXMLSpace(tag[j]) {
		j++
	}
	s.name = localName(tag[:j])
	if len(s.name) == 0 {
		return errXML
	}
	for {
		for j < len(tag) && isXMLSpace(tag[j]) {
			j++
		}
		if j == len(tag) {
			return nil
		}
		eq := bytes.IndexByte(tag[j:], '=')
		if eq < 0 {
			return errXML
		}
		name := bytes.TrimSpace(tag[j : j+eq])
		j += eq + 1
		for j < len(tag) && isXMLSpace(tag[j]) {
			j++
		}
		if j == len(tag) || (tag[j] != '"' && tag[j] != '\'') {
			return errXML
		}
		q := tag[j]
		end := bytes.IndexByte(tag[j+1:], q)
		if end < 0 {
			return errXML
		}
		s.attrs = append(s.attrs, xmlAttr{name: name, value: tag[j+1 : j+1+end]})
		j += end + 2
	}
}

// attr returns the decoded value of the attribute with local name local
// (and, with prefixed, only a prefixed one such as r:id).
func (s *xmlScan) attr(local string) (string, bool) {
	for _, a := range s.attrs {
		if string(localName(a.name)) == local {
			v, err := decodeEntities(nil, a.value)
			return string(v), err == nil
		}
	}
	return "", false
}

// prefixedAttr is attr for a name with a namespace prefix (r:id, not id).
func (s *xmlScan) prefixedAttr(local string) (string, bool) {
	for _, a := range s.attrs {
		if bytes.IndexByte(a.name, ':') >= 0 && string(localName(a.name)) == local {
			v, err := decodeEntities(nil, a.value)
			return string(v), err == nil
		}
	}
	return "", false
}

// rawAttr is attr without entity decoding, for numbers and references.
func (s *xmlScan) rawAttr(local string) ([]byte, bool) {
	for _, a := range s.attrs {
		if string(localName(a.name)) == local {
			return a.value, true
		}
	}
	return nil, false
}

func (s *xmlScan) is(local string) bool { return string(s.name) == local }

func localName(n []byte) []byte {
	if i := bytes.LastIndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// decodeEntities appends raw with its entity and character references
// decoded and line endings normalised to \n, as XML requires.
func decodeEntities(dst, raw []byte) ([]byte, error) {
	if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
		return append(dst, raw...), nil
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\r' {
			dst = append(dst, '\n')
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			continue
		}
		if c != '&' {
			dst = append(dst, c)
			continue
		}
		semi := bytes.IndexByte(raw[i:], ';')
		if semi < 0 {
			return dst, errXML
		}
		ent := raw[i+1 : i+semi]
		i += semi
		switch string(ent) {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			if len(ent) < 2 || ent[0] != '#' {
				return dst, errXML
			}
			var n uint64
			var err error
			if ent[1] == 'x' || ent[1] == 'X' {
				n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
			} else {
				n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
			}
			if err != nil || !utf8.ValidRune(rune(n)) {
				return dst, errXML
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
	return dst, nil
}
