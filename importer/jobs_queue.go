package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/uptrace/bun"
)

// Queue is the river queue of import jobs.
const Queue = "imports"

// ImportArgs is the river job that runs an import job.
type ImportArgs struct {
	ImportID int64 `json:"importId"`
}

// Kind names the river job kind.
func (ImportArgs) Kind() string { return "screenpop.import" }

// InsertOpts puts imports on their queue. River's attempt limit is high:
// the import job counts its own attempts (maxAttempts) and ends itself.
func (ImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: Queue, MaxAttempts: 25}
}

type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	s     *Service
	o     Options
	ended chan struct{} // see Workers.Ended
}

func (w *importWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return w.o.JobTimeout }

// NextRetry retries soon: a failed attempt loses nothing, since it
// resumes after its last committed batch.
func (w *importWorker) NextRetry(job *river.Job[ImportArgs]) time.Time {
	return time.Now().Add(time.Duration(min(job.Attempt, 30)) * 2 * time.Second)
}

func (w *importWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	defer func() {
		select {
		case w.ended <- struct{}{}:
		default: // a signal is pending already
		}
	}()
	return w.s.work(ctx, job.Args.ImportID, w.o)
}

// riverInserter is a client that only inserts jobs (any process may queue
// an import; only those that Start workers run them).
func (s *Service) riverInserter() (*river.Client[*sql.Tx], error) {
	s.inserterOnce.Do(func() {
		s.inserter, s.inserterErr = river.NewClient(riverdatabasesql.New(s.db.DB), &river.Config{Logger: s.log})
	})
	return s.inserter, s.inserterErr
}

// Workers are a process's running import workers.
type Workers struct {
	client *river.Client[*sql.Tx]
	cancel context.CancelFunc
	done   chan struct{}
	ended  chan struct{}
}

// Ended receives when an attempt at an import by these workers has ended,
// its job finished or left for a retry: whoever follows a job here looks
// at it then rather than at its next poll. Signals coalesce, so one may
// stand for several attempts.
func (w *Workers) Ended() <-chan struct{} { return w.ended }

// Start runs import workers in this process until Stop: river's client on
// the imports queue, plus a sweeper that resumes the jobs of workers that
// died (a killed process, a lost machine) within SweepInterval.
func (s *Service) Start(ctx context.Context, o Options) (*Workers, error) {
	o = o.withDefaults()
	ended := make(chan struct{}, 1)
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &importWorker{s: s, o: o, ended: ended}); err != nil {
		return nil, err
	}
	client, err := river.NewClient(riverdatabasesql.New(s.db.DB), &river.Config{
		Queues:               map[string]river.QueueConfig{Queue: {MaxWorkers: o.Workers}},
		Workers:              workers,
		JobTimeout:           o.JobTimeout,
		RescueStuckJobsAfter: o.RescueAfter,
		FetchPollInterval:    o.PollInterval,
		FetchCooldown:        min(o.PollInterval, 100*time.Millisecond),
		Logger:               s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("import workers: %w", err)
	}
	// The client outlives ctx's cancellation until Stop, which lets
	// running batches finish.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("import workers: %w", err)
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w := &Workers{client: client, cancel: cancel, done: make(chan struct{}), ended: ended}
	go func() {
		defer close(w.done)
		t := time.NewTicker(o.SweepInterval)
		defer t.Stop()
		for {
			if err := s.sweep(sctx, client); err != nil && sctx.Err() == nil {
				s.log.Warn("import: sweep", "err", err)
			}
			select {
			case <-sctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return w, nil
}

// Stop stops the workers: running imports get until ctx ends to finish,
// then they are cancelled (their committed batches stay; another worker
// resumes them).
func (w *Workers) Stop(ctx context.Context) error {
	w.cancel()
	<-w.done
	err := w.client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		hard, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return w.client.StopAndCancel(hard)
	}
	return err
}

// orphansSQL finds unfinished imports that no river job will run: their
// river job is gone, finished, or "running" on a worker that holds no lock
// (checked by the caller), i.e. one that died.
const orphansSQL = `SELECT j.id FROM import_jobs AS j
LEFT JOIN river_job AS r ON r.id = j.river_job_id
WHERE j.status IN ('queued', 'running')
  AND (r.id IS NULL OR r.state IN ('completed', 'cancelled', 'discarded')
       OR (r.state = 'running' AND r.attempted_at < now() - interval '2 seconds'))
ORDER BY j.id LIMIT 100`

// sweep queues a new river job for each orphaned import. A live worker
// holds the import's advisory lock for as long as it runs it, and
// PostgreSQL drops that lock when the worker's connection goes, so a free
// lock on a "running" job means its worker died.
func (s *Service) sweep(ctx context.Context, client *river.Client[*sql.Tx]) error {
	var ids []int64
	if err := s.db.NewRaw(orphansSQL).Scan(ctx, &ids); err != nil {
		return fmt.Errorf("find orphaned imports: %w", err)
	}
	for _, id := range ids {
		if err := s.requeue(ctx, client, id); err != nil {
			return fmt.Errorf("requeue import %d: %w", id, err)
		}
	}
	return nil
}

func (s *Service) requeue(ctx context.Context, client *river.Client[*sql.Tx], id int64) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(?)", lockKey(id)).Scan(&got); err != nil || !got {
		return err
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", lockKey(id))
	}()
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var still []int64
		if err := tx.NewRaw(orphansSQL).Scan(ctx, &still); err != nil {
			return err
		}
		found := false
		for _, x := range still {
			found = found || x == id
		}
		if !found {
			return nil
		}
		res, err := client.InsertTx(ctx, tx.Tx, ImportArgs{ImportID: id}, nil)
		if err != nil {
			return err
		}
		s.log.Info("import: resuming a job whose worker stopped", "import", id, "river_job", res.Job.ID)
		_, err = tx.NewUpdate().Model((*Job)(nil)).Set("river_job_id = ?", res.Job.ID).Where("id = ?", id).Exec(ctx)
		return err
	})
}
