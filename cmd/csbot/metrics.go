package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are csbot's own Prometheus metrics, on a registry of their own
// (the embedded FerretDB registers its metrics on the default one).
type metrics struct {
	reg        *prometheus.Registry
	deliveries *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "csbot_deliveries_total",
			Help: "Outgoing messages (reminder, digest, summary) by outcome: sent, retry (failed, will be tried again), failed (gave up).",
		}, []string{"kind", "outcome"}),
	}
	m.reg.MustRegister(m.deliveries, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeDelivery(kind, outcome string) {
	m.deliveries.WithLabelValues(kind, outcome).Inc()
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
