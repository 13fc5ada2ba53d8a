package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding is the character encoding of an import file. Japanese teams
// export sheets from Excel on Windows as Shift_JIS (CP932), older systems
// write EUC-JP, everything else writes UTF-8.
type Encoding string

// The encodings an import reads; AutoEncoding detects one of the others.
const (
	AutoEncoding Encoding = ""
	UTF8         Encoding = "utf-8"
	ShiftJIS     Encoding = "shift_jis"
	EUCJP        Encoding = "euc-jp"
)

// encodingNames are the names --encoding takes, with the usual aliases.
var encodingNames = map[string]Encoding{
	"auto": AutoEncoding, "utf-8": UTF8, "utf8": UTF8,
	"shift_jis": ShiftJIS, "shift-jis": ShiftJIS, "sjis": ShiftJIS, "cp932": ShiftJIS, "windows-31j": ShiftJIS,
	"euc-jp": EUCJP, "eucjp": EUCJP,
}

// ParseEncoding reads an --encoding value; "" and "auto" detect.
func ParseEncoding(s string) (Encoding, error) {
	if s == "" {
		return AutoEncoding, nil
	}
	if e, ok := encodingNames[strings.ToLower(strings.TrimSpace(s))]; ok {
		return e, nil
	}
	return "", fmt.Errorf("unknown encoding %q: use utf-8, shift_jis or euc-jp (or leave it out to detect it)", s)
}

func (e Encoding) String() string {
	switch e {
	case UTF8:
		return "UTF-8"
	case ShiftJIS:
		return "Shift_JIS"
	case EUCJP:
		return "EUC-JP"
	}
	return "auto"
}

// replacement is U+FFFD: the decoders write it for a byte sequence the
// encoding has no character for, and a broken conversion leaves it behind
// in a file, so it is never taken as data.
var replacement = []byte("\uFFFD")

// EncodingError is text that is not valid in the encoding it is read in.
type EncodingError struct {
	Encoding Encoding
	Line     int
}

func (e *EncodingError) Error() string {
	return fmt.Sprintf("line %d is not valid %s text", e.Line, e.Encoding)
}

// strict is a decoder to UTF-8 that stops at the first byte sequence that
// is not valid in its encoding, counting lines so the error says where.
type strict struct {
	t    transform.Transformer
	enc  Encoding
	line int
}

func newStrict(enc Encoding) *strict {
	s := &strict{enc: enc, line: 1}
	switch enc {
	case ShiftJIS:
		s.t = japanese.ShiftJIS.NewDecoder()
	case EUCJP:
		s.t = japanese.EUCJP.NewDecoder()
	default:
		s.t = xunicode.UTF8.NewDecoder()
	}
	return s
}

func (s *strict) Reset() {
	s.t.Reset()
	s.line = 1
}

// Transform passes the decoder's output on up to a replacement
// character; the decoders write whole characters, so none is split
// between two calls.
func (s *strict) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	nDst, nSrc, err = s.t.Transform(dst, src, atEOF)
	out := dst[:nDst]
	if i := bytes.Index(out, replacement); i >= 0 {
		s.line += bytes.Count(out[:i], newline)
		return i, nSrc, &EncodingError{Encoding: s.enc, Line: s.line}
	}
	s.line += bytes.Count(out, newline)
	return nDst, nSrc, err
}

var newline = []byte("\n")

// NewDecoder reads r, text in enc, as UTF-8; it fails with an
// *EncodingError at the first byte sequence that is not valid in enc.
func NewDecoder(r io.Reader, enc Encoding) io.Reader {
	return transform.NewReader(r, newStrict(enc))
}

// DetectEncoding reads r to its end and tells its encoding:
//
//   - a UTF-8 byte order mark, or text that is valid UTF-8 throughout, is
//     UTF-8 (and refused if it holds U+FFFD, text an earlier conversion
//     lost); UTF-16, and a binary file such as a workbook (a NUL byte in
//     the first 64 KiB), are refused;
//   - text that is not UTF-8 but has a line that is (with characters
//     beyond ASCII) mixes encodings and is refused, naming both lines;
//   - else it is Shift_JIS (CP932) or EUC-JP, whichever decodes with no
//     invalid byte sequence. When both do, the one with fewer half-width
//     katakana wins (EUC-JP kana misread as Shift_JIS come out as
//     half-width katakana), and Shift_JIS on a tie, as Excel on Windows
//     writes it;
//   - text that is none of them is refused at the line where the
//     encoding that read furthest failed.
//
// It holds one line at a time, however long the file.
func DetectEncoding(r io.Reader) (Encoding, error) {
	br := bufio.NewReaderSize(r, sniffLen)
	head, _ := br.Peek(sniffLen)
	switch {
	case bytes.HasPrefix(head, utf16LE) || bytes.HasPrefix(head, utf16BE):
		return "", errUTF16
	case bytes.IndexByte(head, 0) >= 0: // a workbook or other binary file
		return "", errors.New(notTable)
	}
	bom := bytes.HasPrefix(head, utf8BOM)
	// Only lines that are not UTF-8 are decoded as the Japanese encodings:
	// when any non-ASCII line is UTF-8 the file is UTF-8 or mixed.
	type reading struct {
		enc       Encoding
		t         transform.Transformer
		bad       int
		halfWidth int
	}
	readings := []*reading{
		{enc: ShiftJIS, t: japanese.ShiftJIS.NewDecoder()},
		{enc: EUCJP, t: japanese.EUCJP.NewDecoder()},
	}
	var (
		notUTF8, isUTF8 int // the first line that is not UTF-8, and that is
		lost            int // the first UTF-8 line with a U+FFFD
		buf, out        []byte
	)
	for line := 1; ; line++ {
		text, err := readLine(br, &buf)
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		switch {
		case isASCII(text):
		case utf8.Valid(text):
			if isUTF8 == 0 {
				isUTF8 = line
			}
			if lost == 0 && bytes.Contains(text, replacement) {
				lost = line
			}
		default:
			if notUTF8 == 0 {
				notUTF8 = line
			}
			for _, rd := range readings {
				if rd.bad != 0 {
					continue
				}
				out, _, _ = transform.Append(rd.t, out[:0], text)
				if bytes.Contains(out, replacement) {
					rd.bad = line
				} else {
					rd.halfWidth += halfWidthKana(out)
				}
			}
		}
		if err != nil {
			break
		}
	}
	sj, eu := readings[0], readings[1]
	switch {
	case notUTF8 == 0 && lost != 0:
		return "", fmt.Errorf("line %d holds U+FFFD (\uFFFD), the mark of text lost in an earlier conversion; fix it in the sheet and export it again", lost)
	case notUTF8 == 0:
		return UTF8, nil
	case bom:
		return "", fmt.Errorf("%w (the file starts with a UTF-8 byte order mark)", &EncodingError{Encoding: UTF8, Line: notUTF8})
	case isUTF8 != 0:
		return "", fmt.Errorf("line %d is not UTF-8 text but line %d is: the file mixes encodings; save the sheet again in one (Excel: \"CSV UTF-8\"), or name it with --encoding", notUTF8, isUTF8)
	case sj.bad == 0 && (eu.bad != 0 || sj.halfWidth <= eu.halfWidth):
		return ShiftJIS, nil
	case eu.bad == 0:
		return EUCJP, nil
	}
	furthest := sj
	if eu.bad > sj.bad {
		furthest = eu
	}
	return "", fmt.Errorf("line %d is not UTF-8, Shift_JIS or EUC-JP text (read as %s, the lines before it are); save the sheet as \"CSV UTF-8\"", furthest.bad, furthest.enc)
}

var errUTF16 = errors.New(`UTF-16 text; export the sheet as "CSV UTF-8"`)

// readLine reads up to and including the next '\n', into *buf when the
// line is longer than br's buffer.
func readLine(br *bufio.Reader, buf *[]byte) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if !errors.Is(err, bufio.ErrBufferFull) {
		return line, err
	}
	*buf = append((*buf)[:0], line...)
	for errors.Is(err, bufio.ErrBufferFull) {
		line, err = br.ReadSlice('\n')
		*buf = append(*buf, line...)
	}
	return *buf, err
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// halfWidthKana counts the half-width katakana (U+FF61..U+FF9F) in text.
func halfWidthKana(text []byte) int {
	n := 0
	for len(text) > 0 {
		r, size := utf8.DecodeRune(text)
		if r >= 0xFF61 && r <= 0xFF9F {
			n++
		}
		text = text[size:]
	}
	return n
}

// DecodeBytes returns data, the contents of the file called name, as
// UTF-8, detecting its encoding when enc is AutoEncoding; text that is not
// valid in the encoding is refused.
func DecodeBytes(name string, data []byte, enc Encoding) ([]byte, error) {
	var err error
	if enc == AutoEncoding {
		enc, err = DetectEncoding(bytes.NewReader(data))
	}
	if err == nil && enc == UTF8 && utf8.Valid(data) && !bytes.Contains(data, replacement) {
		return data, nil
	}
	if err == nil {
		data, err = io.ReadAll(NewDecoder(bytes.NewReader(data), enc))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w; nothing was imported", name, err)
	}
	return data, nil
}
