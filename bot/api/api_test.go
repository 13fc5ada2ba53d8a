package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/csbot/csbot/bot/api"
	"github.com/csbot/csbot/internal/golden"
	"github.com/csbot/csbot/store"
	"github.com/csbot/csbot/store/demo"
	"github.com/csbot/csbot/store/health"
	"github.com/csbot/csbot/store/ingest"
	"github.com/csbot/csbot/store/mongostore"
	"github.com/csbot/csbot/store/storetest"
)

const token = "test-token-0123456789abcdef"

var now = time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)

// newServer serves the API over real HTTP on a real store with two accounts.
func newServer(t *testing.T, token string) (*httptest.Server, *mongostore.Store) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	eng := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return now })
	if err := eng.Put(ctx,
		store.Account{Slug: "acme", Name: "Acme", Tier: store.TierHigh, Phase: store.PhaseAdoption, Seats: 100, ActiveUsers: 50},
		store.Account{Slug: "beta", Name: "Beta", Tier: store.TierLow, Phase: store.PhaseAdoption},
	); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	srv := httptest.NewServer(api.New(token, ingest.New(st, eng, log), log))
	t.Cleanup(srv.Close)
	return srv, st
}

type reply struct {
	code   int
	header http.Header
	body   []byte
}

func post(t testing.TB, srv *httptest.Server, path, auth, contentType string, body io.Reader) reply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

func (r reply) errorText(t *testing.T) string {
	t.Helper()
	var e struct{ Error string }
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error == "" {
		t.Fatalf("body %q is not a JSON error: %v", r.body, err)
	}
	return e.Error
}

func TestAuth(t *testing.T) {
	srv, st := newServer(t, token)
	body := `{"items": [{"account": "acme", "day": "2026-03-09", "active_users": 90, "seats": 100}]}`
	tests := []struct {
		name, auth string
		code       int
	}{
		{"no header", "", http.StatusUnauthorized},
		{"wrong token", "Bearer not-the-token-0123456789", http.StatusUnauthorized},
		{"token prefix", "Bearer " + token[:len(token)-1], http.StatusUnauthorized},
		{"basic scheme", "Basic " + token, http.StatusUnauthorized},
		{"no scheme", token, http.StatusUnauthorized},
		{"right token", "Bearer " + token, http.StatusOK},
		{"scheme in lowercase", "bearer " + token, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, srv, "/api/v1/usage", tt.auth, "application/json", strings.NewReader(body))
			if r.code != tt.code {
				t.Fatalf("status %d, want %d: %s", r.code, tt.code, r.body)
			}
			if tt.code == http.StatusUnauthorized {
				if !strings.Contains(r.errorText(t), "bearer token") || r.header.Get("WWW-Authenticate") == "" {
					t.Errorf("401 without a WWW-Authenticate header or a helpful error: %s", r.body)
				}
			}
		})
	}
	// Only the authorised request wrote anything.
	acme, err := st.Account(context.Background(), "acme")
	if err != nil || acme.ActiveUsers != 90 {
		t.Errorf("acme active users = %d (%v), want 90", acme.ActiveUsers, err)
	}
}

func TestAPIOffWithoutToken(t *testing.T) {
	srv, _ := newServer(t, "")
	r := post(t, srv, "/api/v1/usage", "Bearer ", "application/json", strings.NewReader(`{"items": []}`))
	if r.code != http.StatusNotFound || !strings.Contains(r.errorText(t), "CSBOT_API_TOKEN") {
		t.Errorf("status %d %s, want 404 saying how to turn the API on", r.code, r.body)
	}
}

func TestRequests(t *testing.T) {
	srv, _ := newServer(t, token)
	auth := "Bearer " + token
	big := `{"items": [` + strings.Repeat(`{"account": "acme", "day": "2026-03-09", "active_users": 90, "seats": 100},`, 150000) + `]}`
	many := `{"items": [` + strings.TrimSuffix(strings.Repeat(`{},`, ingest.MaxItems+1), ",") + `]}`
	tests := []struct {
		name, method, path, contentType, body string
		code                                  int
		want                                  string // in the error
	}{
		{"unknown field", "POST", "/api/v1/usage", "application/json", `{"items": [{"account": "acme", "day": "2026-03-09", "active_users": 1, "seat": 5}]}`, 400, `items[0]: unknown field "seat" (did you mean seats?)`},
		{"unknown top field", "POST", "/api/v1/usage", "application/json", `{"rows": []}`, 400, `unknown field "rows"`},
		{"malformed", "POST", "/api/v1/tickets", "application/json", "{\"items\": [\n{\"id\": \"t1\" \"account\": \"acme\"}]}", 400, "line 2, column 13"},
		{"too many items", "POST", "/api/v1/usage", "application/json", many, 400, "more than 10000 items"},
		{"data after a bare array", "POST", "/api/v1/usage", "application/json", `[{"account": "acme", "day": "2026-03-09", "active_users": 1, "seats": 5}] GARBAGE`, 400, "unexpected data after the JSON value"},
		// Shift_JIS 東京 where UTF-8 belongs: refused, not stored as U+FFFD.
		{"invalid utf-8", "POST", "/api/v1/usage", "application/json", "{\"items\": [\n{\"account\": \"\x93\x8c\x8b\x9e\", \"day\": \"2026-03-09\"}]}", 400, "line 2, column 14: invalid UTF-8"},
		{"too large", "POST", "/api/v1/usage", "application/json", big, 413, "over 10 MiB"},
		{"not json", "POST", "/api/v1/usage", "text/csv", "account,day\n", 415, "application/json"},
		{"bad dry_run", "POST", "/api/v1/usage?dry_run=maybe", "", `{"items": []}`, 400, "dry_run"},
		{"GET", "GET", "/api/v1/usage", "", "", 405, "only POST"},
		{"unknown endpoint", "POST", "/api/v1/sales", "application/json", `{"items": []}`, 404, "no endpoint /api/v1/sales"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", auth)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			r := reply{resp.StatusCode, resp.Header, b}
			if r.code != tt.code {
				t.Fatalf("status %d, want %d: %s", r.code, tt.code, r.body)
			}
			if got := r.errorText(t); !strings.Contains(got, tt.want) {
				t.Errorf("error %q, want it to contain %q", got, tt.want)
			}
		})
	}
	if len(big) <= api.MaxBody {
		t.Fatalf("the too-large body is only %d bytes", len(big))
	}
}

// A batch with good and bad items, sent twice: the good ones are applied
// once, the bad ones listed with their index, id and field each time.
func TestBatchAndReplay(t *testing.T) {
	srv, st := newServer(t, token)
	body := `{"items": [
		{"id": "t1", "account": "acme", "opened": "2026-03-01", "escalated": true},
		{"id": "t2", "account": "acme", "opened": "2026-03-02", "closed": "2026-03-03"},
		{"id": "t3", "account": "acm", "opened": "2026-03-02"},
		{"id": "t4", "account": "beta", "opened": "2026-04-02"},
		{"account": "beta", "opened": "2026-03-02", "escalated": "perhaps"}
	]}`
	first := post(t, srv, "/api/v1/tickets", "Bearer "+token, "application/json", strings.NewReader(body))
	if first.code != http.StatusOK {
		t.Fatalf("status %d: %s", first.code, first.body)
	}
	golden.Assert(t, "tickets-first.golden", indent(t, first.body))
	again := post(t, srv, "/api/v1/tickets", "Bearer "+token, "application/json", strings.NewReader(body))
	if again.code != http.StatusOK {
		t.Fatalf("replay: status %d: %s", again.code, again.body)
	}
	golden.Assert(t, "tickets-replay.golden", indent(t, again.body))

	acme, err := st.Account(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if acme.OpenTickets == nil || *acme.OpenTickets != 1 || acme.Escalations != 1 {
		t.Errorf("acme: %v open tickets, %d escalated; want 1 and 1", acme.OpenTickets, acme.Escalations)
	}
	tickets, err := st.Tickets(context.Background())
	if err != nil || len(tickets) != 2 {
		t.Errorf("ledger holds %d tickets of acme (%v), want 2", len(tickets), err)
	}
	// The change is audited as the API's, once: the replay changed nothing.
	recs, err := st.Audit(context.Background(), store.AuditAccount, "acme", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var byAPI []store.AuditRecord
	for _, r := range recs {
		if r.Actor.Name == "api" {
			byAPI = append(byAPI, r)
		}
	}
	if len(byAPI) != 1 || byAPI[0].Actor.Channel != "/api/v1/tickets" {
		t.Errorf("records by the API = %+v", byAPI)
	}
}

func TestDryRunAndAliases(t *testing.T) {
	srv, st := newServer(t, token)
	for _, tt := range []struct{ path, body string }{
		{"/api/v1/metrics?dry_run=true", `{"items": [{"account": "acme", "day": "2026-03-09", "active_users": 1, "seats": 100}]}`},
		{"/api/v1/nps?dry_run=1", `{"items": [{"id": "n1", "account": "acme", "score": 2, "at": "2026-03-09"}]}`},
	} {
		r := post(t, srv, tt.path, "Bearer "+token, "application/json", strings.NewReader(tt.body))
		var res ingest.Result
		if err := json.Unmarshal(r.body, &res); err != nil || r.code != http.StatusOK || !res.DryRun || res.Accepted != 1 {
			t.Errorf("%s: %d %s, want 200 with a dry run of 1 valid item", tt.path, r.code, r.body)
		}
	}
	acme, err := st.Account(context.Background(), "acme")
	if err != nil || acme.ActiveUsers != 50 || acme.NPS != nil {
		t.Errorf("acme after dry runs: %d users, NPS %v (%v); want untouched", acme.ActiveUsers, acme.NPS, err)
	}
	r := post(t, srv, "/api/v1/csat", "Bearer "+token, "application/json", strings.NewReader(`{"items": [{"id": "c1", "account": "beta", "score": 5, "at": "2026-03-09"}]}`))
	if r.code != http.StatusOK {
		t.Fatalf("csat: %d %s", r.code, r.body)
	}
	beta, err := st.Account(context.Background(), "beta")
	if err != nil || beta.CSAT == nil || *beta.CSAT != 5 {
		t.Errorf("beta CSAT = %v (%v), want 5 from the /csat alias", beta.CSAT, err)
	}
}

func indent(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return buf.Bytes()
}

// BenchmarkIngestUsage10k posts 10,000 usage rows, one per account, to the
// API on the embedded store with 10,000 accounts: each run sends a new day,
// so every row is new and every account is rescored and written.
func BenchmarkIngestUsage10k(b *testing.B) {
	ctx := context.Background()
	st := storetest.Open(b)
	clock := now
	eng := health.NewEngine(st, health.DefaultConfig(), func() time.Time { return clock })
	if err := demo.SeedBulk(ctx, st, eng, 10000, now); err != nil {
		b.Fatal(err)
	}
	if _, err := st.WarmCache(ctx); err != nil { // as csbot serve does at start
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	svc := ingest.New(st, eng, log)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go svc.Run(runCtx) // as csbot serve does: rescoring in the background
	srv := httptest.NewServer(api.New(token, svc, log))
	defer srv.Close()
	body := func(day time.Time) []byte {
		var buf bytes.Buffer
		buf.WriteString(`{"items": [`)
		for i := range 10000 {
			if i > 0 {
				buf.WriteByte(',')
			}
			fmt.Fprintf(&buf, `{"account": "account-%05d", "day": %q, "active_users": %d, "seats": 50, "feature_adoption": 0.%d}`, i, store.Day(day), (i+day.Day())%50, i%10)
		}
		buf.WriteString(`]}`)
		return buf.Bytes()
	}
	send := func(b *testing.B, data []byte, wantAccepted int) {
		r := post(b, srv, "/api/v1/usage", "Bearer "+token, "application/json", bytes.NewReader(data))
		var res ingest.Result
		if err := json.Unmarshal(r.body, &res); err != nil || r.code != http.StatusOK || res.Accepted != wantAccepted || res.Rejected != 0 {
			b.Fatalf("status %d: %.300s", r.code, r.body)
		}
	}
	days := 0 // across the runs the benchmark makes, so every run sends a new day
	// new: the API's answer (rows in the ledger, accounts pending);
	// s-rescored: until the background pass has written every account.
	b.Run("new", func(b *testing.B) {
		var rescored time.Duration
		for range b.N {
			b.StopTimer()
			days++
			clock = now.AddDate(0, 0, days) // every row new and newer than the account's
			data := body(clock)
			b.StartTimer()
			start := time.Now()
			send(b, data, 10000)
			b.StopTimer()
			// Accounts are applied in slug order: the last one tells.
			for {
				a, err := st.Account(ctx, "account-09999")
				if err != nil {
					b.Fatal(err)
				}
				if store.Day(a.UsageDate) == store.Day(clock) && !a.UpdatedAt.Before(clock) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			rescored += time.Since(start)
			b.StartTimer()
		}
		b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "rows/s")
		b.ReportMetric(rescored.Seconds()/float64(b.N), "s-rescored")
	})
	b.Run("replay", func(b *testing.B) {
		data := body(clock)
		for range b.N {
			send(b, data, 0)
		}
		b.ReportMetric(float64(b.N*10000)/b.Elapsed().Seconds(), "rows/s")
	})
}
