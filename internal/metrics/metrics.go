// Package metrics holds screenpop's Prometheus metrics: one registry per
// running engine (so tests that start several engines do not collide), the
// collectors every layer updates, and the handler that serves them.
package metrics

import (
	"net/http"
	"net/http/pprof"

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

	PopRequests     *prometheus.CounterVec   // platform, outcome
	PopDuration     *prometheus.HistogramVec // platform
	Lookups         *prometheus.CounterVec   // state of the rendered page
	ConnectorCalls  *prometheus.CounterVec   // interface, outcome
	ConnectorTime   *prometheus.HistogramVec // interface
	CallEvents      *prometheus.CounterVec   // stage
	Resyncs         *prometheus.CounterVec   // reason
	DeliveryLatency prometheus.Histogram
	OpenStreams     prometheus.Gauge
}

// New registers the collectors, with the Go runtime's and the process's.
func New() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := &Metrics{
		Registry: r,
		PopRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "pop_requests_total",
			Help: "Pop requests (/pop/…) by platform dialect and outcome (ok, unauthorized, not_found, invalid, unavailable, error)."},
			[]string{"platform", "outcome"}),
		PopDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "pop_request_seconds",
			Help:    "Time to answer a pop request, by platform dialect.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"platform"}),
		Lookups: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "pop_lookups_total",
			Help: "Customer lookups of rendered pops by result (the page's state: found, not_found, multiple, error, waiting…)."},
			[]string{"state"}),
		ConnectorCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "connector_calls_total",
			Help: "queryCustomer calls to external interfaces by interface id and outcome (ok, timeout, connect, …)."},
			[]string{"interface", "outcome"}),
		ConnectorTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "connector_call_seconds",
			Help:    "Duration of queryCustomer calls to external interfaces.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5}}, []string{"interface"}),
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
	r.MustRegister(m.PopRequests, m.PopDuration, m.Lookups, m.ConnectorCalls, m.ConnectorTime,
		m.CallEvents, m.Resyncs, m.DeliveryLatency, m.OpenStreams)
	for _, s := range []string{StageAccepted, StageDelivered, StageReplayed, StageResynced} {
		m.CallEvents.WithLabelValues(s)
	}
	for _, s := range []string{ReasonQueueFull, ReasonDBError} {
		m.Resyncs.WithLabelValues(s)
	}
	return m
}

// Handler serves the registry in the Prometheus text format, with the Go
// profiler (net/http/pprof) under /debug/pprof/: the metrics listener is
// for operators only (loopback by default).
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
