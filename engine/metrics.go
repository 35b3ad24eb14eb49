package engine

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/screenpop/screenpop/internal/database"
	"github.com/screenpop/screenpop/internal/metrics"
)

// registerMetrics adds what is read from the engine's parts: the database
// pool, the call listener, the connector's calls and the import jobs.
func (e *Engine) registerMetrics() {
	m := e.Metrics
	r := m.Registry
	r.MustRegister(collectors.NewDBStatsCollector(e.DB.DB, "screenpop"))
	r.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: metrics.Namespace, Name: "call_listener_up",
		Help: "1 while the call-event listener (LISTEN) is subscribed, 0 while it reconnects."}, func() float64 {
		if e.Hub.Listening() {
			return 1
		}
		return 0
	}))
	r.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: metrics.Namespace, Name: "call_listener_reconnects_total",
		Help: "Times the call-event listener re-established LISTEN after losing it."}, func() float64 {
		return float64(e.Hub.Stats().Reconnects)
	}))
	r.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: metrics.Namespace, Name: "call_notice_overflows_total",
		Help: "Notices that did not fit a workspace's queue (the stream caught up from the stored events)."}, func() float64 {
		return float64(e.Hub.Stats().Overflows)
	}))
	e.External.ObserveCall = func(interfaceID int64, took time.Duration, outcome string) {
		id := strconv.FormatInt(interfaceID, 10)
		m.ConnectorCalls.WithLabelValues(id, outcome).Inc()
		m.ConnectorTime.WithLabelValues(id).Observe(took.Seconds())
	}
	r.MustRegister(&importsCollector{e: e})
	r.MustRegister(&replicasCollector{e: e})
}

// replicasCollector reads the replica router's counters at scrape time
// (the router may be replaced by UseReplicas after the engine is made).
type replicasCollector struct{ e *Engine }

var (
	popReadsDesc = prometheus.NewDesc(metrics.Namespace+"_pop_db_reads_total",
		"Database reads of the pop path (tenant, page, configuration, customer lookup) by the server that answered: primary or replica.",
		[]string{"server"}, nil)
	replicaFallbacksDesc = prometheus.NewDesc(metrics.Namespace+"_replica_fallbacks_total",
		"Pop reads that went to the primary although replicas are configured, by reason: unavailable (no replica answers), lag (over SCREENPOP_REPLICA_MAX_LAG), error (the read failed on the replica).",
		[]string{"reason"}, nil)
	replicaLagDesc = prometheus.NewDesc(metrics.Namespace+"_replica_lag_seconds",
		"Sampled lag of each database replica behind the primary (0 when it has replayed all the primary wrote).", []string{"replica"}, nil)
	replicaUpDesc = prometheus.NewDesc(metrics.Namespace+"_replica_up",
		"1 while a database replica answers and keeps within the lag limit (it serves pop reads), else 0.", []string{"replica"}, nil)
)

func (c *replicasCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- popReadsDesc
	ch <- replicaFallbacksDesc
	ch <- replicaLagDesc
	ch <- replicaUpDesc
}

func (c *replicasCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.e.Replicas.Stats()
	ch <- prometheus.MustNewConstMetric(popReadsDesc, prometheus.CounterValue, float64(s.ReadsPrimary), "primary")
	ch <- prometheus.MustNewConstMetric(popReadsDesc, prometheus.CounterValue, float64(s.ReadsReplica), "replica")
	for reason, n := range s.Fallbacks {
		ch <- prometheus.MustNewConstMetric(replicaFallbacksDesc, prometheus.CounterValue, float64(n), reason)
	}
	for _, r := range s.Replicas {
		lag := r.Lag.Seconds()
		if r.Lag == database.NoLagKnown {
			lag = math.Inf(1)
		}
		ch <- prometheus.MustNewConstMetric(replicaLagDesc, prometheus.GaugeValue, lag, r.Name)
		up := 0.0
		if r.Up && !r.Lagging {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(replicaUpDesc, prometheus.GaugeValue, up, r.Name)
	}
}

// importsCollector reads the import jobs at scrape time: jobs by status
// and the rows they committed (shared by every instance: one table).
type importsCollector struct{ e *Engine }

var (
	importJobsDesc = prometheus.NewDesc(metrics.Namespace+"_import_jobs", "Import jobs by status (all instances).", []string{"status"}, nil)
	importRowsDesc = prometheus.NewDesc(metrics.Namespace+"_import_rows", "Rows committed by import jobs, by job status (all instances).", []string{"status"}, nil)
)

func (c *importsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- importJobsDesc
	ch <- importRowsDesc
}

func (c *importsCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var rows []struct {
		Status string
		Jobs   int64
		Rows   int64
	}
	err := c.e.DB.NewRaw(`SELECT status, count(*) AS jobs, coalesce(sum(rows_done), 0) AS rows FROM import_jobs GROUP BY status`).Scan(ctx, &rows)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(importJobsDesc, err)
		return
	}
	jobs := map[string][2]int64{"queued": {}, "running": {}, "done": {}, "failed": {}, "cancelled": {}}
	for _, r := range rows {
		jobs[r.Status] = [2]int64{r.Jobs, r.Rows}
	}
	for status, n := range jobs {
		ch <- prometheus.MustNewConstMetric(importJobsDesc, prometheus.GaugeValue, float64(n[0]), status)
		ch <- prometheus.MustNewConstMetric(importRowsDesc, prometheus.GaugeValue, float64(n[1]), status)
	}
}
