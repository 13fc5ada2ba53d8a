package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// With CSBOT_METRICS_ADDR set, /metrics is served there and only there;
// the probes stay on CSBOT_ADDR.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	getenv := testEnv(t, map[string]string{"CSBOT_DATA_DIR": t.TempDir(), "CSBOT_ADDR": addr, "CSBOT_METRICS_ADDR": metricsAddr})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, io.Discard, getenv) }()
	get := func(base, path string) (int, string) {
		resp, err := http.Get("http://" + base + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for range 200 { // wait for the listener
		if code, _ := get(addr, "/healthz"); code == 200 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	tests := []struct {
		name, base, path string
		code             int
		want             string
	}{
		{"metrics on their address", metricsAddr, "/metrics", 200, "process_resident_memory_bytes"},
		{"no metrics on the main address", addr, "/metrics", 404, ""},
		{"probes on the main address", addr, "/healthz", 200, "ok"},
		{"no probes on the metrics address", metricsAddr, "/healthz", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := get(tc.base, tc.path); code != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("GET %s%s = %d %.200s, want %d with %q", tc.base, tc.path, code, body, tc.code, tc.want)
			}
		})
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
	if code, _ := get(metricsAddr, "/metrics"); code != 0 {
		t.Errorf("metrics still served after shutdown: %d", code)
	}
}
