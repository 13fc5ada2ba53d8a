package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"

	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/importer"
)

func TestDecodeJSON(t *testing.T) {
	tooMany := `{"items": [` + strings.TrimSuffix(strings.Repeat(`{"account": "a"},`, MaxItems+1), ",") + `]}`
	tests := []struct {
		name  string
		kind  Kind
		body  string
		items int
		want  string // error substring; "" = no error
	}{
		{"body", Usage, `{"items": [{"account": "acme", "day": "2026-03-01", "active_users": 3, "seats": 5}]}`, 1, ""},
		{"bare array", Usage, `[{"account": "acme"}, {"account": "beta"}]`, 2, ""},
		{"empty", Usage, `{"items": []}`, 0, ""},
		{"spaced field names", Usage, `[{"Active Users": 3}]`, 1, ""},
		{"unknown item field", Usage, `{"items": [{}, {}, {}, {"account": "acme", "seat": 5}]}`, 0, `items[3]: unknown field "seat" (did you mean seats?)`},
		{"unknown field, nothing near", Tickets, `[{"colour": "red"}]`, 0, `items[0]: unknown field "colour" (known: id, account, opened, closed, escalated)`},
		{"unknown top field", Usage, `{"items": [], "dry": true}`, 0, `unknown field "dry"`},
		{"missing items", Usage, `{}`, 0, `missing "items"`},
		{"field twice", Usage, `[{"seats": 1, "seats": 2}]`, 0, `items[0]: field "seats" appears twice`},
		{"item not an object", Usage, `{"items": [1]}`, 0, "items[0]: is not an object"},
		{"malformed", Usage, "{\"items\": [\n  {\"account\": \"acme\",}\n]}", 0, "line 2, column"},
		{"truncated", Usage, `{"items": [{"account": "acme"}`, 0, "ends too early"},
		{"trailing data", Usage, `{"items": []} {}`, 0, "unexpected data after"},
		{"trailing data after an array", Usage, `[{"account": "acme"}] GARBAGE`, 0, "line 1, column 23: unexpected data after"},
		{"second array", Usage, `[] []`, 0, "unexpected data after"},
		{"trailing whitespace", Usage, "[{\"account\": \"acme\"}]\n\t ", 1, ""},
		{"too many items", Usage, tooMany, 0, fmt.Sprintf("more than %d items", MaxItems)},
		{"account fields", Accounts, `[{"slug": "acme", "renewal_date": "2027-01-01"}]`, 1, ""},
		{"unknown account field", Accounts, `[{"slug": "acme", "renewal": "2027-01-01"}]`, 0, `unknown field "renewal" (did you mean renewal_date?)`},
		{"japanese", Usage, `[{"account": "さくら物流", "seats": 5}]`, 1, ""},
		// Shift_JIS 東京 in a UTF-8 body: the JSON decoder would store U+FFFD.
		{"invalid utf-8", Usage, "{\"items\": [\n  {\"account\": \"\x93\x8c\x8b\x9e\"}]}", 0, "line 2, column 16: invalid UTF-8; send the body as UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := DecodeJSON(tt.kind, []byte(tt.body))
			if tt.want == "" {
				if err != nil || len(items) != tt.items {
					t.Fatalf("DecodeJSON = %d items, %v; want %d items", len(items), err, tt.items)
				}
				return
			}
			var re *RequestError
			if !errors.As(err, &re) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("DecodeJSON error = %v, want a RequestError containing %q", err, tt.want)
			}
		})
	}
}

func TestDecodeCSV(t *testing.T) {
	tests := []struct {
		name, data string
		lines      []int
		want       string
	}{
		{"rows", "account,day,active_users,seats\nacme,2026-03-01,3,5\n\n\"beta\",2026-03-01,4,5\n", []int{2, 4}, ""},
		{"unknown column", "account,day,active_user,seats\n", nil, `header on line 1: unknown column "active_user" (did you mean active_users?)`},
		{"column twice", "account,Seats,seats\n", nil, "column seats appears twice"},
		{"empty", "", nil, "empty; the first row must name the columns, e.g. account,day,active_users,seats,feature_adoption"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := DecodeCSV(Usage, "usage.csv", []byte(tt.data))
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("DecodeCSV error = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var lines []int
			for _, it := range items {
				lines = append(lines, it.Line)
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.lines) {
				t.Errorf("lines %v, want %v", lines, tt.lines)
			}
		})
	}
}

func TestParseKind(t *testing.T) {
	tests := []struct {
		in     string
		kind   Kind
		survey string
	}{
		{"metrics", Usage, ""}, {"usage", Usage, ""}, {"NPS", Responses, "nps"}, {"csat", Responses, "csat"},
		{"responses", Responses, ""}, {"churn", Revenue, ""}, {"revenue", Revenue, ""}, {"tickets", Tickets, ""},
		{"touches", Touches, ""}, {"accounts", Accounts, ""}, {"sales", "", ""},
	}
	for _, tt := range tests {
		k, survey, err := ParseKind(tt.in)
		if k != tt.kind || survey != tt.survey || (err != nil) != (tt.kind == "") {
			t.Errorf("ParseKind(%q) = %q, %q, %v; want %q, %q", tt.in, k, survey, err, tt.kind, tt.survey)
		}
	}
}

// FuzzDecodeJSON checks that any body either decodes into items every
// kind's parser takes without panicking, or is refused with a message.
func FuzzDecodeJSON(f *testing.F) {
	f.Add(`{"items": [{"account": "acme", "day": "2026-03-01", "active_users": 3, "seats": 5, "feature_adoption": "45%"}]}`)
	f.Add(`[{"id": "t1", "account": "acme", "opened": "2026-03-01T09:00:00+09:00", "closed": null, "escalated": true}]`)
	f.Add(`[{"id": "r1", "account": "acme", "kind": "nps", "score": 9.0, "at": "2026-03-01"}]`)
	f.Add(`{"items": [{"arr": 1e400}, {"score": [1]}, {"at": {}}]}`)
	f.Add(`{"items": [{"account": "ac\u0000me", "id": "` + strings.Repeat("x", 200) + `"}]`)
	f.Fuzz(func(t *testing.T, body string) {
		for _, k := range []Kind{Usage, Responses, Tickets, Touches, Revenue} {
			items, err := DecodeJSON(k, []byte(body))
			if err != nil {
				if err.Error() == "" {
					t.Fatal("empty error")
				}
				continue
			}
			if !json.Valid([]byte(body)) {
				t.Fatalf("accepted a body that is not one JSON value: %q", body)
			}
			for _, it := range items {
				checkParse(t, k, it)
			}
		}
	})
}

// FuzzDecodeCSV does the same for CSV files.
func FuzzDecodeCSV(f *testing.F) {
	f.Add("id,account,kind,score,at\nr1,acme,nps,9,2026-03-01\nr2,acme,csat,6,2099-01-01\n")
	f.Add("id,account,type,arr,at\ne1,acme,renewal,\"120,000\",2026-03-01\ne2,acme,cancellation,-5,x\n")
	f.Add("account;day;active_users;seats\nacme;2026-03-01;3;5\n")
	f.Add("id,account,kind,at,author,text\nx,acme,call,2026-03-01,@aiko,\"multi\nline\"\n")
	f.Fuzz(func(t *testing.T, data string) {
		for _, k := range []Kind{Usage, Responses, Tickets, Touches, Revenue} {
			items, err := DecodeCSV(k, "f.csv", []byte(data))
			if err != nil {
				continue
			}
			for _, it := range items {
				checkParse(t, k, it)
			}
		}
	})
}

// checkParse parses an item and checks what a parser promises: either
// errors with messages, or an item with its required key fields.
func checkParse(t *testing.T, k Kind, it Item) {
	t.Helper()
	c := checkCtx{now: now}
	check := func(id, account string, errs []ItemError) {
		for _, e := range errs {
			if e.Message == "" {
				t.Fatalf("%s: error without message: %+v", k, e)
			}
		}
		if len(errs) == 0 && (id == "" || account == "" || len(id) > MaxID+len(account)+11) {
			t.Fatalf("%s: accepted an item without a key: id %q account %q", k, id, account)
		}
	}
	switch k {
	case Usage:
		v, errs := usageSpec.parse(it, c)
		check(v.Key(), v.Account, errs)
		if len(errs) == 0 && (v.Active < 0 || v.Seats < 0 || v.Adoption != nil && (*v.Adoption < 0 || *v.Adoption > 1)) {
			t.Fatalf("accepted usage out of range: %+v", v)
		}
	case Responses:
		v, errs := responseSpec.parse(it, c)
		check(v.ID, v.Account, errs)
		if len(errs) == 0 && (v.Score < 0 || v.Score > 10 || v.Kind == store.SurveyCSAT && v.Score < 1) {
			t.Fatalf("accepted a score out of range: %+v", v)
		}
	case Tickets:
		v, errs := ticketSpec.parse(it, c)
		check(v.ID, v.Account, errs)
	case Touches:
		v, errs := touchSpec.parse(it, c)
		check(v.ID, v.Account, errs)
		if len(errs) == 0 && v.Check() != nil {
			t.Fatalf("accepted a touch over the limits: %v", v.Check())
		}
	case Revenue:
		v, errs := revenueSpec.parse(it, c)
		check(v.ID, v.Account, errs)
		if len(errs) == 0 && (v.ARR < 0 || v.ARR > store.MaxARR) {
			t.Fatalf("accepted ARR out of range: %+v", v)
		}
	}
}

// Event files in Shift_JIS or EUC-JP are read as text; a file in neither,
// or read in the wrong one, is refused with its line.
func TestReadFileEncodings(t *testing.T) {
	const text = "account,day,active_users,seats\nさくら物流,2026-03-01,3,5\nＳＡＫＵＲＡ,2026-03-01,4,5\n"
	sjisBytes, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	eucBytes, err := japanese.EUCJP.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		enc  importer.Encoding
		want string // error substring; "" = no error
	}{
		{"shift_jis detected", sjisBytes, importer.AutoEncoding, ""},
		{"euc-jp detected", eucBytes, importer.AutoEncoding, ""},
		{"euc-jp named", eucBytes, importer.EUCJP, ""},
		{"shift_jis read as euc-jp", sjisBytes, importer.EUCJP, "usage.csv: line 2 is not valid EUC-JP text; nothing was imported"},
		{"mixed", append([]byte(text), sjisBytes[len("account,day,active_users,seats\n"):]...), importer.AutoEncoding, "line 4 is not UTF-8 text but line 2 is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := ReadFile(Usage, "usage.csv", tt.data, tt.enc)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want one containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				u, errs := usageSpec.parse(it, checkCtx{now: now})
				if len(errs) > 0 {
					t.Fatalf("line %d: %v", it.Line, errs)
				}
				got = append(got, u.Account)
			}
			if want := []string{"さくら物流", "sakura"}; !slices.Equal(got, want) {
				t.Errorf("accounts = %q, want %q", got, want)
			}
		})
	}
}
