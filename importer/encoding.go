package importer

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding names the text encoding of a CSV file, as detected by
// NewDecodingReader.
type Encoding string

const (
	UTF8    Encoding = "utf-8"     // no byte order mark (also: pure ASCII)
	UTF8BOM Encoding = "utf-8-bom" // Excel's "CSV UTF-8"
	UTF16LE Encoding = "utf-16le"  // with BOM: Excel's "Unicode Text"
	UTF16BE Encoding = "utf-16be"  // with BOM
	GB18030 Encoding = "gb18030"   // Excel's plain "CSV" on Chinese Windows writes GBK, a subset
)

// sniffSize is how much of the file is looked at to choose an encoding. It is
// also the bufio buffer size, so it bounds the memory that detection costs
// however large the file is.
const sniffSize = 64 << 10

// Byte order marks. GB18030 has one too (U+FEFF encoded in GB18030); no
// Excel writes it, but honouring it costs nothing.
var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomGB18030 = []byte{0x84, 0x31, 0x95, 0x33}
)

// NewDecodingReader detects the encoding of r and returns a reader of its
// text as UTF-8, without any byte order mark, and the encoding found.
//
// A byte order mark decides: UTF-8, UTF-16 LE or BE, or GB18030. Without one,
// the first 64 KB are looked at: if they read as UTF-8 (see looksUTF8) the
// file is UTF-8, otherwise GB18030 (a superset of GBK, which is what Excel on
// Chinese Windows writes for "CSV"). A GBK text long enough to be mistaken
// for UTF-8 is practically impossible: most GBK characters are not valid
// UTF-8 sequences.
//
// When those 64 KB are pure ASCII (a long run of digits and latin names
// before the first Chinese value, say) the decision is put off: ASCII reads
// the same in UTF-8 and GB18030, so the reader passes bytes through until the
// first non-ASCII byte and decides there on the 64 KB that follow. The
// Encoding returned is then provisional (UTF8); the reader's Encoding method,
// if the caller asserts for it, reports the final choice.
//
// Nothing is read beyond the 64 KB buffer ahead of the caller. Bytes that do
// not decode are not an error here: UTF-8 passes through as is and the other
// decoders write U+FFFD; the CSV reader rejects the rows that hold either.
func NewDecodingReader(r io.Reader) (io.Reader, Encoding, error) {
	d, err := newDecodingReader(r)
	if err != nil {
		return nil, "", err
	}
	return d, d.enc, nil
}

func newDecodingReader(r io.Reader) (*DecodingReader, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(len(bomGB18030))
	if err != nil && err != io.EOF {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		_, _ = br.Discard(len(bomUTF8))
		return &DecodingReader{r: br, enc: UTF8BOM}, nil
	case bytes.HasPrefix(head, bomUTF16LE):
		// FF FE 00 00 would be UTF-32 LE, which nothing we care about writes;
		// UTF-16 decoding of it yields U+0000 and the rows are refused.
		_, _ = br.Discard(len(bomUTF16LE))
		return decoded(br, UTF16LE, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()), nil
	case bytes.HasPrefix(head, bomUTF16BE):
		_, _ = br.Discard(len(bomUTF16BE))
		return decoded(br, UTF16BE, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()), nil
	case bytes.HasPrefix(head, bomGB18030):
		_, _ = br.Discard(len(bomGB18030))
		return decoded(br, GB18030, simplifiedchinese.GB18030.NewDecoder()), nil
	}
	d := &DecodingReader{r: br, br: br, enc: UTF8, undecided: true}
	if err := d.decide(); err != nil {
		return nil, err
	}
	return d, nil
}

// DecodingReader is the reader NewDecodingReader returns.
type DecodingReader struct {
	r         io.Reader     // where decoded bytes come from once decided
	br        *bufio.Reader // the raw input, while undecided
	enc       Encoding
	undecided bool // only ASCII seen so far, and no BOM
}

func decoded(br *bufio.Reader, enc Encoding, t transform.Transformer) *DecodingReader {
	return &DecodingReader{r: transform.NewReader(br, t), enc: enc}
}

// Encoding reports the encoding in use: final once a non-ASCII byte has been
// read or the input ended, provisional (UTF8) before.
func (d *DecodingReader) Encoding() Encoding { return d.enc }

// Read reads decoded UTF-8 text.
func (d *DecodingReader) Read(p []byte) (int, error) {
	if !d.undecided {
		return d.r.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Pass ASCII through untouched, up to the first non-ASCII byte.
	if d.br.Buffered() == 0 {
		if _, err := d.br.Peek(1); err != nil {
			return 0, err
		}
	}
	buf, _ := d.br.Peek(min(len(p), d.br.Buffered()))
	n := asciiPrefix(buf)
	if n > 0 {
		copy(p, buf[:n])
		_, _ = d.br.Discard(n)
		return n, nil
	}
	if err := d.decide(); err != nil {
		return 0, err
	}
	return d.Read(p)
}

// decide looks at the next sniffSize bytes: all ASCII leaves the reader
// undecided; valid UTF-8 makes it a pass-through; anything else GB18030.
func (d *DecodingReader) decide() error {
	win, err := d.br.Peek(sniffSize)
	atEOF := err == io.EOF
	if err != nil && !atEOF && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	i := asciiPrefix(win)
	if i == len(win) {
		if atEOF {
			d.undecided = false // plain ASCII file: UTF-8 it is
		}
		return nil
	}
	d.undecided = false
	if looksUTF8(win[i:], atEOF) {
		d.enc, d.r = UTF8, d.br
		return nil
	}
	d.enc, d.r = GB18030, transform.NewReader(d.br, simplifiedchinese.GB18030.NewDecoder())
	return nil
}

// asciiPrefix returns the length of the leading run of ASCII bytes in b.
func asciiPrefix(b []byte) int {
	for i, c := range b {
		if c >= utf8.RuneSelf {
			return i
		}
	}
	return len(b)
}

// looksUTF8 reports whether b reads as UTF-8: every non-ASCII sequence
// valid, or so nearly all of them (at most one bad byte per utf8Tolerance
// good characters) that the file is UTF-8 with a few damaged cells, which the
// reader then rejects row by row, rather than GB18030, which would turn every
// Chinese cell of the file into mojibake without an error. GBK text is far
// from that bar: most of its two-byte characters are not valid UTF-8. A
// character cut off at the end of b is not counted when more input follows.
func looksUTF8(b []byte, atEOF bool) bool {
	var good, bad int
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			if !atEOF && len(b) < utf8.UTFMax && !utf8.FullRune(b) {
				break // the window ends mid-character
			}
			bad++
			b = b[1:]
			continue
		}
		good++
		b = b[size:]
	}
	return bad == 0 || bad*utf8Tolerance <= good
}

// utf8Tolerance: see looksUTF8.
const utf8Tolerance = 50
