package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/japanese"

	"github.com/csbot/csbot/store"
)

// sjisSample is testdata/sjis.csv as text: what Excel on Windows saves as
// "CSV (comma delimited)", with CRLF line ends, half-width katakana and
// NEC special characters (①, ㈱) that only CP932 has.
const sjisSample = "name,tier,phase,region,owner,arr\r\n" +
	"さくら物流,high,onboarding,東京,aiko,\"1,200,000\"\r\n" +
	"株式会社ｻｸﾗ商事,low,adoption,大阪,kenji,300000\r\n" +
	"①テクノ㈱,tech,expansion,名古屋,,50000\r\n"

// eucSample is a sheet an older system writes in EUC-JP.
const eucSample = "slug,name,tier,phase\n" +
	"hokkaido,北海道ソフト,low,adoption\n" +
	",ひまわり電機,high,onboarding\n"

func encode(t testing.TB, enc encoding.Encoding, text string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatalf("encode %q: %v", text, err)
	}
	return b
}

func sjis(t testing.TB, text string) []byte  { return encode(t, japanese.ShiftJIS, text) }
func eucjp(t testing.TB, text string) []byte { return encode(t, japanese.EUCJP, text) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// The committed file is the sample as Shift_JIS, not as UTF-8 by mistake.
func TestSJISTestdata(t *testing.T) {
	got, err := os.ReadFile("testdata/sjis.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sjis(t, sjisSample)) || utf8.Valid(got) {
		t.Fatal("testdata/sjis.csv is not sjisSample encoded as Shift_JIS")
	}
}

func TestDetectEncoding(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		want    Encoding
		wantErr string
	}{
		{"ascii", []byte("slug,name\nacme,Acme\n"), UTF8, ""},
		{"utf-8", []byte(sjisSample), UTF8, ""},
		{"utf-8 with a byte order mark", cat(utf8BOM, []byte(sjisSample)), UTF8, ""},
		{"shift_jis", sjis(t, sjisSample), ShiftJIS, ""},
		{"shift_jis half-width katakana only", sjis(t, "name\nｻｸﾗ\n"), ShiftJIS, ""},
		{"euc-jp", eucjp(t, eucSample), EUCJP, ""},
		// Both decode cleanly; read as Shift_JIS this is half-width katakana.
		{"euc-jp kana only", eucjp(t, "name\nさくま\n"), EUCJP, ""},
		{"empty", nil, UTF8, ""},
		{"utf-8 then shift_jis", cat([]byte("name\nさくら\n"), sjis(t, "東京\n")), "", "line 3 is not UTF-8 text but line 2 is"},
		{"shift_jis then utf-8", cat(sjis(t, "name\n東京\n"), []byte("x\nさくら\n")), "", "line 2 is not UTF-8 text but line 4 is"},
		{"none of them", []byte("name\nok\nok\n\x80\xff\xfe\n"), "", "line 4 is not UTF-8, Shift_JIS or EUC-JP text"},
		{"byte order mark then shift_jis", cat(utf8BOM, sjis(t, "name\n東京\n")), "", "line 2 is not valid UTF-8 text"},
		{"replacement character", []byte("name\nok\n\uFFFD物流\n"), "", "line 3 holds U+FFFD"},
		{"utf-16", []byte{0xFF, 0xFE, 'n', 0, 'a', 0}, "", "UTF-16"},
		{"workbook", []byte("PK\x03\x04\x14\x00\x06\x00"), "", "not CSV or JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DetectEncoding(bytes.NewReader(tc.data))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("DetectEncoding = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// A line longer than the read buffer is still read whole.
func TestDetectEncodingLongLine(t *testing.T) {
	long := strings.Repeat("とても長い名前", sniffLen/10)
	data := cat([]byte("name\n"), sjis(t, long+"\n"), []byte("x\n\x80\xff\n"))
	_, err := DetectEncoding(bytes.NewReader(data))
	if err == nil || !strings.Contains(err.Error(), "line 4 is not") {
		t.Fatalf("err = %v, want line 4", err)
	}
	if got, err := DetectEncoding(bytes.NewReader(sjis(t, "name\n"+long+"\n"))); err != nil || got != ShiftJIS {
		t.Fatalf("DetectEncoding = %v, %v; want Shift_JIS", got, err)
	}
}

func TestNewDecoder(t *testing.T) {
	tests := []struct {
		name     string
		data     []byte
		enc      Encoding
		want     string
		wantLine int
	}{
		{"shift_jis", sjis(t, sjisSample), ShiftJIS, sjisSample, 0},
		{"euc-jp", eucjp(t, eucSample), EUCJP, eucSample, 0},
		{"utf-8", []byte(sjisSample), UTF8, sjisSample, 0},
		{"shift_jis read as euc-jp", sjis(t, sjisSample), EUCJP, "name,tier,phase,region,owner,arr\r\n", 2},
		{"shift_jis read as utf-8", sjis(t, sjisSample), UTF8, "name,tier,phase,region,owner,arr\r\n", 2},
		{"cut off in a character", sjis(t, "a\nb\n東")[:5], ShiftJIS, "a\nb\n", 3},
		{"utf-8 replacement character", []byte("a\n\uFFFD"), UTF8, "a\n", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := io.ReadAll(NewDecoder(bytes.NewReader(tc.data), tc.enc))
			var bad *EncodingError
			switch {
			case tc.wantLine == 0 && err != nil:
				t.Fatalf("err = %v", err)
			case tc.wantLine != 0 && (!errors.As(err, &bad) || bad.Line != tc.wantLine || bad.Encoding != tc.enc):
				t.Fatalf("err = %v, want an EncodingError on line %d", err, tc.wantLine)
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseEncoding(t *testing.T) {
	for in, want := range map[string]Encoding{"": AutoEncoding, "auto": AutoEncoding, "UTF-8": UTF8, "Shift_JIS": ShiftJIS, "cp932": ShiftJIS, "euc-jp": EUCJP} {
		if got, err := ParseEncoding(in); err != nil || got != want {
			t.Errorf("ParseEncoding(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseEncoding("latin1"); err == nil || !strings.Contains(err.Error(), "use utf-8, shift_jis or euc-jp") {
		t.Errorf("ParseEncoding(latin1) err = %v", err)
	}
}

// Japanese sheets import with their names intact and a slug derived from
// them, whatever their encoding; a file in no known encoding, or read in
// the wrong one, writes nothing.
func TestImportJapanese(t *testing.T) {
	sjisFile, err := os.ReadFile("testdata/sjis.csv")
	if err != nil {
		t.Fatal(err)
	}
	// A bad sequence past the first 64 KiB is found by the check pass.
	var big strings.Builder
	big.WriteString("slug,name,tier,phase\n")
	for i := range 5000 {
		fmt.Fprintf(&big, "a%d,Name,low,adoption\n", i)
	}
	type named struct{ Slug, Name string }
	sjisNames := []named{{"1テクノ-株", "①テクノ㈱"}, {"さくら物流", "さくら物流"}, {"株式会社サクラ商事", "株式会社ｻｸﾗ商事"}}
	tests := []struct {
		name    string
		file    string
		data    []byte
		enc     Encoding
		want    []named
		wantErr string
	}{
		{"shift_jis detected", "book.csv", sjisFile, AutoEncoding, sjisNames, ""},
		{"shift_jis named", "book.csv", sjisFile, ShiftJIS, sjisNames, ""},
		{"euc-jp detected", "book.csv", eucjp(t, eucSample), AutoEncoding, []named{{"hokkaido", "北海道ソフト"}, {"ひまわり電機", "ひまわり電機"}}, ""},
		{"utf-8 with a byte order mark", "book.csv", cat(utf8BOM, []byte(eucSample)), AutoEncoding, []named{{"hokkaido", "北海道ソフト"}, {"ひまわり電機", "ひまわり電機"}}, ""},
		{"json in shift_jis", "book.json", sjis(t, `[{"name": "さくら物流", "tier": "high", "phase": "adoption"}]`), AutoEncoding, []named{{"さくら物流", "さくら物流"}}, ""},
		{"shift_jis read as euc-jp", "book.csv", sjisFile, EUCJP, nil, "book.csv: line 2 is not valid EUC-JP text; nothing was imported"},
		{"shift_jis read as utf-8", "book.csv", sjisFile, UTF8, nil, "book.csv: line 2 is not valid UTF-8 text; nothing was imported"},
		{"mixed", "book.csv", cat([]byte(eucSample), sjis(t, ",東京物産,low,adoption\n")), AutoEncoding, nil, "book.csv: line 4 is not UTF-8 text but line 2 is"},
		{"bad past the sniffed part, named", "book.csv", cat([]byte(big.String()), []byte("zz,\x80\xff,low,adoption\n")), UTF8, nil, "book.csv: line 5002 is not valid UTF-8 text"},
		{"bad past the sniffed part, detected", "book.csv", cat([]byte(big.String()), []byte("zz,\x80\xff,low,adoption\n")), AutoEncoding, nil, "book.csv: line 5002 is not UTF-8, Shift_JIS or EUC-JP text"},
		{"json read as euc-jp", "book.json", sjis(t, "[\n{\"name\": \"さくら物流\"}]"), EUCJP, nil, "book.json: line 2 is not valid EUC-JP text; nothing was imported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			rep, err := Import(context.Background(), e, e, tc.file, bytes.NewReader(tc.data), tc.enc, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if got := e.slugs(t); len(got) > 0 || e.writes > 0 {
					t.Fatalf("a refused file wrote %v", got)
				}
				return
			}
			if err != nil || len(rep.Errors) > 0 {
				t.Fatalf("import: %v %v", err, rep.Errors)
			}
			var got []named
			for _, a := range e.accounts(t) {
				got = append(got, named{a.Slug, a.Name})
				if !utf8.ValidString(a.Name) || strings.ContainsRune(a.Name, utf8.RuneError) || !store.ValidSlug(a.Slug) {
					t.Errorf("stored %q (%q): not clean text", a.Name, a.Slug)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("accounts (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzDecode: what detection accepts decodes without error, and whatever
// a decoder lets through is UTF-8 with no replacement character.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(sjisSample))
	f.Add(sjis(f, sjisSample))
	f.Add(eucjp(f, eucSample))
	f.Add(cat(utf8BOM, sjis(f, "name\n東京\n")))
	f.Add([]byte("name\n\x80\xff\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if enc, err := DetectEncoding(bytes.NewReader(data)); err == nil {
			if _, err := io.ReadAll(NewDecoder(bytes.NewReader(data), enc)); err != nil {
				t.Fatalf("detected %v, but decoding fails: %v", enc, err)
			}
		}
		for _, enc := range []Encoding{UTF8, ShiftJIS, EUCJP} {
			text, err := io.ReadAll(NewDecoder(bytes.NewReader(data), enc))
			var bad *EncodingError
			if err != nil && (!errors.As(err, &bad) || bad.Line < 1 || bad.Line > bytes.Count(data, newline)+1) {
				t.Fatalf("%v: err = %v", enc, err)
			}
			if !utf8.Valid(text) || bytes.Contains(text, replacement) {
				t.Fatalf("%v: decoded %q", enc, text)
			}
		}
	})
}

// BenchmarkDetectEncoding: the extra pass detection costs on a sheet of
// 100,000 accounts, in UTF-8 and in Shift_JIS.
func BenchmarkDetectEncoding(b *testing.B) {
	var sheet strings.Builder
	sheet.WriteString("slug,name,tier,phase,region,owner,arr\n")
	for i := range 100000 {
		fmt.Fprintf(&sheet, ",さくら物流 %d 株式会社,high,adoption,東京,aiko,120000\n", i)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"utf-8", []byte(sheet.String())}, {"shift_jis", sjis(b, sheet.String())}} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(tc.data)))
			for b.Loop() {
				if _, err := DetectEncoding(bytes.NewReader(tc.data)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
