package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/csbot/csbot/store"
)

// metrics are csbot's own Prometheus metrics, on a registry of their own
// (the embedded FerretDB registers its metrics on the default one). Labels
// are names from the code (commands, jobs, platforms), never what users
// typed, account names or tokens.
type metrics struct {
	reg        *prometheus.Registry
	deliveries *prometheus.CounterVec
	commands   *prometheus.HistogramVec
	jobs       *prometheus.HistogramVec
	locks      *prometheus.CounterVec
	storeErrs  *prometheus.CounterVec
	reconnects *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "csbot_deliveries_total",
			Help: "Outgoing messages (reminder, digest, summary, checklist) by platform and outcome: sent, retry (failed, will be tried again), failed (gave up), skipped (marked done before it went out).",
		}, []string{"kind", "platform", "outcome"}),
		commands: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "csbot_command_duration_seconds",
			Help:    "Commands handled, by command name, platform and outcome (ok or error), and how long they took.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"command", "platform", "outcome"}),
		jobs: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "csbot_job_duration_seconds",
			Help:    "Scheduler job runs on this replica, by job and outcome (ok or error), and how long they took.",
			Buckets: []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300},
		}, []string{"job", "outcome"}),
		locks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "csbot_lock_acquisitions_total",
			Help: "Job-run lock attempts by job and outcome: acquired (this replica runs it), held (another replica has it), error.",
		}, []string{"job", "outcome"}),
		storeErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "csbot_store_errors_total",
			Help: "Failed database operations by kind (read, write, ping...) and reason: unavailable (unreachable) or error.",
		}, []string{"op", "reason"}),
		reconnects: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "csbot_adapter_reconnects_total",
			Help: "Connections to a chat platform re-established after a drop (Slack Socket Mode, Discord gateway).",
		}, []string{"platform"}),
	}
	m.reg.MustRegister(m.deliveries, m.commands, m.jobs, m.locks, m.storeErrs, m.reconnects,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeDelivery(kind, platform, outcome string) {
	m.deliveries.WithLabelValues(kind, platform, outcome).Inc()
}

func (m *metrics) observeCommand(command, platform, outcome string, took time.Duration) {
	m.commands.WithLabelValues(command, platform, outcome).Observe(took.Seconds())
}

func (m *metrics) observeJob(job, outcome string, took time.Duration) {
	m.jobs.WithLabelValues(job, outcome).Observe(took.Seconds())
}

func (m *metrics) observeStoreError(op string, unavailable bool) {
	reason := "error"
	if unavailable {
		reason = "unavailable"
	}
	m.storeErrs.WithLabelValues(op, reason).Inc()
}

func (m *metrics) reconnected(platform string) { m.reconnects.WithLabelValues(platform).Inc() }

// countedLocker counts the scheduler's lock attempts per job.
type countedLocker struct {
	gocron.Locker
	m *metrics
}

func (l countedLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	lock, err := l.Locker.Lock(ctx, key)
	outcome := "acquired"
	switch {
	case errors.Is(err, store.ErrLocked):
		outcome = "held"
	case err != nil:
		outcome = "error"
	}
	l.m.locks.WithLabelValues(key, outcome).Inc()
	return lock, err
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
