// Package metrics holds screenpop's Prometheus metrics: one registry per
// running engine (so tests that start several engines do not collide), the
// collectors every layer updates, and the handler that serves them.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric name.
const Namespace = "screenpop"

// Call-event stages (label "stage" of CallEvents).
const (
	StageAccepted   = "accepted"  // stored and notified (201)
	StageDelivered  = "delivered" // written to a workspace stream as it happened
	StageReplayed   = "replayed"  // written to a stream from the stored events (catch-up)
	StageResynced   = "resynchronised"
	ReasonQueueFull = "queue_full" // label "reason" of Resyncs
	ReasonDBError   = "db_error"
)

// Metrics are the collectors of one running engine.
type Metrics struct {
	Registry *prometheus.Registry

	CallEvents      *prometheus.CounterVec // stage
	Resyncs         *prometheus.CounterVec // reason
	DeliveryLatency prometheus.Histogram
	OpenStreams     prometheus.Gauge
}

// New registers the collectors, with the Go runtime's and the process's.
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: r,
		CallEvents: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "call_events_total",
			Help: "Call events by stage: accepted by the API, delivered live to a workspace stream, replayed from the stored events, or resynchronised (the client was told to reload)."},
			[]string{"stage"}),
		Resyncs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "stream_resyncs_total",
			Help: "Times a workspace stream told its client to resynchronise, by reason (queue_full, db_error)."},
			[]string{"reason"}),
		DeliveryLatency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: "call_event_delivery_seconds",
			Help:    "From a call event's acceptance to its write on a workspace stream.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}),
		OpenStreams: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: "workspace_streams_open",
			Help: "Workspace event streams open on this instance."}),
	}
	r.MustRegister(m.CallEvents, m.Resyncs, m.DeliveryLatency, m.OpenStreams)
	for _, s := range []string{StageAccepted, StageDelivered, StageReplayed, StageResynced} {
		m.CallEvents.WithLabelValues(s)
	}
	for _, s := range []string{ReasonQueueFull, ReasonDBError} {
		m.Resyncs.WithLabelValues(s)
	}
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
