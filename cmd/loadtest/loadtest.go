// Command loadtest sends signed Slack slash commands at a csbot HTTP
// endpoint from many concurrent clients and reports latency percentiles,
// throughput and memory. Without --url it starts csbot's Slack endpoint
// over a synthetic book in its own process. It is a tool of its own, not
// part of the csbot binary.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config says what load to send.
type Config struct {
	URL    string
	Secret string
	// Concurrency is the number of clients sending at once.
	Concurrency int
	// Duration and Requests bound the run; the first reached ends it.
	Duration time.Duration
	Requests int
	// Form builds the slash command of request i.
	Form func(i int) url.Values
	// Expect, when set, must appear in every answer: a fast refusal
	// ("not registered") must not count as a served request.
	Expect string
}

// Result is what a run measured.
type Result struct {
	Requests, Failures int
	Elapsed            time.Duration
	P50, P90, P99, Max time.Duration
	// FirstFailure describes one failed request, to show what went wrong.
	FirstFailure string
}

// RPS is the throughput in requests per second.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

func (r Result) String() string {
	s := fmt.Sprintf("%d requests in %.1fs (%.0f req/s), %d failed; latency p50 %s, p90 %s, p99 %s, max %s",
		r.Requests, r.Elapsed.Seconds(), r.RPS(), r.Failures, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max))
	if r.FirstFailure != "" {
		s += "\n  first failure: " + r.FirstFailure
	}
	return s
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// Sign adds Slack's v0 signature headers for body at now.
func Sign(h http.Header, secret, body string, now time.Time) {
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	io.WriteString(mac, "v0:"+ts+":"+body)
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	h.Set("Content-Type", "application/x-www-form-urlencoded")
}

// Run sends the load and measures it. Its loops are bounded by
// cfg.Requests and cfg.Duration, and it stops early when ctx is done.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Concurrency <= 0 || cfg.Duration <= 0 && cfg.Requests <= 0 {
		return Result{}, fmt.Errorf("loadtest: need a concurrency and a duration or request count")
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency, MaxConnsPerHost: cfg.Concurrency},
	}
	var next atomic.Int64
	var mu sync.Mutex
	var took []time.Duration
	res := Result{}
	start := time.Now()
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if cfg.Requests > 0 && i >= cfg.Requests {
					return
				}
				d, failure := send(ctx, client, cfg, i)
				if ctx.Err() != nil && failure != "" {
					return // cut off by the end of the run, not a failure
				}
				mu.Lock()
				took = append(took, d)
				if failure != "" {
					res.Failures++
					if res.FirstFailure == "" {
						res.FirstFailure = failure
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.Requests = len(took)
	if len(took) > 0 {
		slices.Sort(took)
		at := func(p float64) time.Duration { return took[min(len(took)-1, int(p*float64(len(took))))] }
		res.P50, res.P90, res.P99, res.Max = at(0.50), at(0.90), at(0.99), took[len(took)-1]
	}
	return res, nil
}

func send(ctx context.Context, client *http.Client, cfg Config, i int) (time.Duration, string) {
	form := cfg.Form(i)
	// Slack's trigger ids are unique; it also keeps signatures unique, so
	// csbot's replay guard does not refuse identical commands.
	form.Set("trigger_id", fmt.Sprintf("load.%d.%d", time.Now().UnixNano(), i))
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL, strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	Sign(req.Header, cfg.Secret, body, time.Now())
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return time.Since(start), err.Error()
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if cfg.Expect != "" && !strings.Contains(string(b), cfg.Expect) {
		return d, fmt.Sprintf("answer lacks %q: %.200s", cfg.Expect, b)
	}
	return d, ""
}
