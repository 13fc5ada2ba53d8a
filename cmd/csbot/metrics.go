package main

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are csbot's own Prometheus metrics, on a registry of their own
// (the embedded FerretDB registers its metrics on the default one).
type metrics struct {
	reg        *prometheus.Registry
	deliveries *prometheus.CounterVec
	commands   *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "csbot_deliveries_total",
			Help: "Outgoing messages (reminder, digest, summary) by outcome: sent, retry (failed, will be tried again), failed (gave up).",
		}, []string{"kind", "outcome"}),
		commands: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "csbot_command_duration_seconds",
			Help:    "Commands handled, by command name, platform and outcome (ok or error), and how long they took.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"command", "platform", "outcome"}),
	}
	m.reg.MustRegister(m.deliveries, m.commands, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeDelivery(kind, outcome string) {
	m.deliveries.WithLabelValues(kind, outcome).Inc()
}

func (m *metrics) observeCommand(command, platform, outcome string, took time.Duration) {
	m.commands.WithLabelValues(command, platform, outcome).Observe(took.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
