package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/slack-go/slack"

	"github.com/csbot/csbot/store/storetest"
)

// Run signs every request as Slack does, counts answers other than 200 as
// failures, and stops at the request bound.
func TestRunSignsAndCounts(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sv, err := slack.NewSecretsVerifier(r.Header, "s3cret")
		if err == nil {
			sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		form, _ := url.ParseQuery(string(body))
		if n.Add(1)%10 == 0 || form.Get("text") != "health acme" {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{
		URL: srv.URL, Secret: "s3cret", Concurrency: 4, Requests: 100,
		Form: func(int) url.Values { return url.Values{"text": {"health acme"}} },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 100 || res.Failures != 10 || !strings.Contains(res.FirstFailure, "HTTP 500: boom") {
		t.Errorf("result = %+v", res)
	}
	if res.P50 <= 0 || res.P50 > res.P99 || res.P99 > res.Max {
		t.Errorf("percentiles out of order: %+v", res)
	}
	bad, _ := Run(context.Background(), Config{URL: srv.URL, Secret: "wrong", Concurrency: 1, Requests: 3,
		Form: func(int) url.Values { return url.Values{"text": {"health acme"}} }})
	if bad.Failures != 3 {
		t.Errorf("wrong secret: %d of 3 failed", bad.Failures)
	}
	unexpected, _ := Run(context.Background(), Config{URL: srv.URL, Secret: "s3cret", Concurrency: 1, Requests: 5, Expect: "Acme",
		Form: func(int) url.Values { return url.Values{"text": {"health acme"}} }})
	if unexpected.Failures != 5 || !strings.Contains(unexpected.FirstFailure, `answer lacks "Acme"`) {
		t.Errorf("answers without the expected text: %+v", unexpected)
	}
}

// BenchmarkSlackHealthLoad is the load measurement: signed
// `/cs health <account>` over loopback HTTP against 10,000 accounts on the
// embedded store, 50 concurrent clients, and the same load against a bare
// handler that only verifies the signature. Target: p99 < 20 ms and a p50
// within 3x of the bare handler's.
func BenchmarkSlackHealthLoad(b *testing.B) {
	ctx := context.Background()
	cfg := storetest.Config(b)
	cfg.Logger = slog.New(slog.DiscardHandler)
	target, err := Setup(ctx, cfg, 10000)
	if err != nil {
		b.Fatal(err)
	}
	defer target.Close()
	for _, tc := range []struct{ name, url string }{{"bare", target.BareURL}, {"full", target.FullURL}} {
		b.Run(tc.name, func(b *testing.B) {
			expect := ""
			if tc.name == "full" {
				expect = "· health"
			}
			res, err := Run(ctx, Config{URL: tc.url, Secret: target.Secret, Concurrency: 50, Requests: max(b.N, 500), Form: target.Form(LoadUser), Expect: expect})
			if err != nil {
				b.Fatal(err)
			}
			if res.Failures > 0 {
				b.Fatalf("%d failures: %s", res.Failures, res.FirstFailure)
			}
			b.ReportMetric(float64(res.P50.Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(res.P99.Nanoseconds()), "p99-ns")
			b.ReportMetric(res.RPS(), "req/s")
		})
	}
}

// The memory figure the load test prints is this process's: it grows when
// the process holds more.
func TestResidentMB(t *testing.T) {
	before, ok := ResidentMB()
	if !ok {
		t.Skip("no /proc/self/status here")
	}
	hold := make([]byte, 64<<20)
	for i := range hold {
		hold[i] = 1 // touch every page so it is resident
	}
	after, _ := ResidentMB()
	if before <= 0 || after-before < 48 {
		t.Errorf("resident memory %.0f MB, then %.0f MB after touching 64 MB", before, after)
	}
	runtime.KeepAlive(hold)
}
