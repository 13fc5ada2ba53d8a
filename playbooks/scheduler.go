// Package playbooks runs csbot's timed work on gocron v2. Every periodic
// behaviour is one named Job in one table, so what the bot does on its own
// is listed in one place; a failing or panicking job never stops the others.
package playbooks

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/csbot/csbot/store"
)

// Job is one named periodic task.
type Job struct {
	Name string
	When gocron.JobDefinition
	Run  func(ctx context.Context) error
}

// Scheduler runs a table of jobs.
type Scheduler struct {
	s       gocron.Scheduler
	log     *slog.Logger
	observe func(job, outcome string, took time.Duration)
}

// SchedulerConfig says where and how jobs run.
type SchedulerConfig struct {
	Location *time.Location
	// Clock is nil outside tests.
	Clock clockwork.Clock
	Log   *slog.Logger
	// Locker, when set, lets each run of a job happen on one replica only
	// (the store's Locker: one lock document per run).
	Locker gocron.Locker
	// Observe, when set, is told of every run of a job on this replica:
	// "ok" or "error" (a panic counts as an error) and how long it took.
	Observe func(job, outcome string, took time.Duration)
}

// JobActor is who the audit trail says made a job's changes: the
// scheduler, by job.
func JobActor(job string) store.Actor { return store.Actor{Name: "scheduler", Channel: job} }

// NewScheduler schedules the jobs.
func NewScheduler(ctx context.Context, cfg SchedulerConfig, jobs []Job) (*Scheduler, error) {
	opts := []gocron.SchedulerOption{gocron.WithLocation(cfg.Location)}
	if cfg.Clock != nil {
		opts = append(opts, gocron.WithClock(cfg.Clock))
	}
	if cfg.Locker != nil {
		opts = append(opts, gocron.WithDistributedLocker(cfg.Locker))
	}
	s, err := gocron.NewScheduler(opts...)
	if err != nil {
		return nil, fmt.Errorf("start scheduler: %w", err)
	}
	sch := &Scheduler{s: s, log: cfg.Log, observe: cfg.Observe}
	for _, j := range jobs {
		_, err := s.NewJob(j.When, gocron.NewTask(sch.isolated(ctx, j)),
			gocron.WithName(j.Name), gocron.WithSingletonMode(gocron.LimitModeReschedule))
		if err != nil {
			_ = s.Shutdown()
			return nil, fmt.Errorf("schedule job %s: %w", j.Name, err)
		}
	}
	return sch, nil
}

// isolated logs a job's outcome by name and turns a panic into an error.
func (sch *Scheduler) isolated(ctx context.Context, j Job) func() {
	return func() {
		log := sch.log.With("job", j.Name)
		start := time.Now()
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
				}
			}()
			return j.Run(store.WithActor(ctx, JobActor(j.Name)))
		}()
		took, outcome := time.Since(start), "ok"
		if err != nil {
			outcome = "error"
			log.Error("job failed", "err", err, "took", took)
		} else {
			log.Info("job done", "took", took)
		}
		if sch.observe != nil {
			sch.observe(j.Name, outcome, took)
		}
	}
}

// Start begins running jobs at their times.
func (sch *Scheduler) Start() { sch.s.Start() }

// Shutdown stops scheduling and waits for running jobs.
func (sch *Scheduler) Shutdown() error { return sch.s.Shutdown() }
