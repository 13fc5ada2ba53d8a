package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/csbot/csbot/bot"
	"github.com/csbot/csbot/bot/api"
	"github.com/csbot/csbot/bot/discord"
	slackbot "github.com/csbot/csbot/bot/slack"
	"github.com/csbot/csbot/bot/teams"
	"github.com/csbot/csbot/playbooks"
	"github.com/csbot/csbot/store/ingest"
)

func runServe(ctx context.Context, e env, args []string) error {
	o, _, err := flags(e, "serve", args, nil)
	if err != nil {
		return err
	}
	log := o.serverLogger(e.stderr)
	tuneGC(e.getenv)
	a, err := openApp(ctx, o, log)
	if err != nil {
		return err
	}
	defer a.Close()
	log.Info("store ready", "backend", a.store.Backend())
	// On MongoDB once at start, not on every CLI command: the sweep reads
	// every audited document (the nightly prune sweeps too). The embedded
	// store needs none: opening a folder its last process did not close
	// sweeps (see mongostore's unrecorded).
	if a.store.EmbeddedURI() == "" {
		if err := a.sweepAudit(ctx); err != nil {
			return err
		}
	}

	// work lives until the grace period after SIGTERM ends: in-flight
	// commands, sends and jobs finish with it; ctx only says "stop taking
	// new work". listen ends first, at SIGTERM: connections that bring new
	// work by themselves (the Discord gateway) close then.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	listen, stopListening := context.WithCancel(work)
	defer stopListening()
	var running sync.WaitGroup // adapters' Run loops

	mux := a.httpHandler()
	if o.MetricsAddr != "" {
		// Metrics only on their own address (a private port the load
		// balancer does not expose).
		mux = a.probes()
	}
	limit, _ := bot.ParseLimit(o.CommandLimit) // validated in flags
	a.router.LimitPerMember(limit)
	platforms, err := a.platforms(work, listen, o, mux, log, &running)
	if err != nil {
		return err
	}
	a.readiness = platforms
	if o.APIToken != "" {
		svc := ingest.New(a.store, a.engine, log.With("component", "ingest"))
		running.Go(func() { svc.Run(work) }) // rescoring of ingested data, in the background
		mux.Handle(api.Prefix, api.New(o.APIToken, svc, log.With("component", "api")))
		log.Info("ingest API on", "path", api.Prefix)
	}

	loc, _ := time.LoadLocation(o.TZ) // validated in flags
	draining := make(chan struct{})
	// Each job run happens on one replica: the lock document decides.
	locker := countedLocker{Locker: a.store.Locker("", 0, nil), m: a.metrics}
	delivery := a.delivery(sender(platforms, a.store, log), draining, log)
	sched, err := playbooks.NewScheduler(work, playbooks.SchedulerConfig{Location: loc, Log: log, Locker: locker, Observe: a.metrics.observeJob},
		a.jobs(delivery, loc, log))
	if err != nil {
		return err
	}
	sched.Start()
	catchingUp := make(chan struct{})
	go func() {
		defer close(catchingUp)
		a.catchUp(work, delivery, loc, log)
	}()
	defer func() { <-catchingUp }()

	if o.MetricsAddr != "" {
		stop, err := a.serveMetrics(o.MetricsAddr, log)
		if err != nil {
			_ = sched.Shutdown()
			return err
		}
		defer stop()
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		_ = sched.Shutdown()
		return fmt.Errorf("listen on %s: %w (set CSBOT_ADDR to a free address)", o.Addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return work }}
	log.Info("serving", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		_ = sched.Shutdown()
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	stopListening()
	return a.shutdown(o.ShutdownGrace, srv, sched, draining, platforms, cancelWork, &running)
}

// serveMetrics serves /metrics alone on addr until stop is called.
// Scrapes need no draining, so stop closes at once.
func (a *app) serveMetrics(addr string, log *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (set CSBOT_METRICS_ADDR to a free address)", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute}
	log.Info("serving metrics", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return func() { _ = srv.Close() }, nil
}

// shutdown stops taking work, lets what is in flight finish within grace,
// then cancels the rest and returns: the outbox keeps whatever was not sent,
// and a command still running past the grace is abandoned.
func (a *app) shutdown(grace time.Duration, srv *http.Server, sched *playbooks.Scheduler, draining chan struct{},
	platforms []platform, cancelWork context.CancelFunc, running *sync.WaitGroup) error {
	a.log.Info("shutting down", "grace", grace)
	close(draining)
	a.draining.Store(true) // /readyz says no, so load balancers stop sending
	gctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		// The HTTP server stops accepting and waits for handlers; then
		// the adapters' late answers and the running jobs finish.
		var err error
		if e := srv.Shutdown(gctx); e != nil && !errors.Is(e, http.ErrServerClosed) && !errors.Is(e, context.DeadlineExceeded) {
			err = fmt.Errorf("shutdown: %w", e)
		}
		for _, p := range platforms {
			p.Wait()
		}
		_ = sched.Shutdown()
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-gctx.Done():
		a.log.Warn("grace period over; cancelling work still running (unsent messages stay in the outbox)")
	}
	cancelWork() // adapters release their leases and close connections
	running.Wait()
	return err
}

// platforms starts the configured chat adapters on mux; their Run loops
// (Socket Mode, gateway) end when work is cancelled.
func (a *app) platforms(work, listen context.Context, o options, mux *http.ServeMux, log *slog.Logger, running *sync.WaitGroup) ([]platform, error) {
	var out []platform
	if o.Slack.enabled() {
		slLog := log.With("adapter", "slack")
		deps := slackbot.Deps{
			Router: a.router,
			Client: slackbot.NewClient(o.Slack.BotToken, o.Slack.APIURL, slackbot.WithLogger(slLog)),
			Claims: a.store, Store: a.store, Log: slLog,
		}
		if a.store.EmbeddedURI() != "" {
			// One process serves the embedded store: it alone can see a
			// replay, without a database write per request.
			deps.Requests = bot.NewLocalClaims(time.Now(), 5*time.Minute)
		}
		sl := slackbot.NewApp(deps)
		p := platform{Adapter: sl}
		if o.Slack.SigningSecret != "" {
			slackbot.NewHTTP(sl, o.Slack.SigningSecret).Register(mux)
			slLog.Info("HTTP endpoints on")
		}
		if o.Slack.AppToken != "" {
			status := &slackbot.SocketStatus{OnReconnect: func() { a.metrics.reconnected("slack") }}
			p.ready = func() error {
				if !status.Connected() {
					return errors.New("slack socket mode not connected")
				}
				return nil
			}
			running.Go(func() {
				if err := sl.RunSocket(work, o.Slack.AppToken, o.Slack.BotToken, o.Slack.APIURL, status); err != nil {
					slLog.Error("socket mode stopped", "err", err)
				}
			})
			slLog.Info("socket mode on")
		}
		out = append(out, p)
	}
	if o.Discord.enabled() {
		dl := log.With("adapter", "discord")
		dc, err := discord.New(o.Discord.config(), discord.Deps{Router: a.router, Store: a.store, Log: dl,
			OnReconnect: func() { a.metrics.reconnected("discord") }})
		if err != nil {
			return nil, err
		}
		if o.Discord.PublicKey != "" {
			mux.Handle("POST /discord/interactions", dc.Handler())
			dl.Info("HTTP interactions endpoint on")
		}
		running.Go(func() {
			if err := dc.Run(listen); err != nil {
				dl.Error("gateway stopped", "err", err)
			}
		})
		// No readiness hook: one replica holds the gateway and it brings
		// no HTTP traffic, so its state (logs, csbot_adapter_reconnects_total)
		// must not take a replica, or all of them in turn, out of service.
		out = append(out, platform{Adapter: dc})
	}
	if o.Teams.enabled() {
		tm, err := teams.New(teams.Config{Secret: o.Teams.WebhookSecret},
			teams.Deps{Router: a.router, Store: a.store, Log: log.With("adapter", "teams")})
		if err != nil {
			return nil, err
		}
		mux.Handle("POST /teams/messages", tm.Handler())
		out = append(out, platform{Adapter: tm})
		log.Info("teams: outgoing webhook endpoint on")
	}
	return out, nil
}

// catchUp does at start what the scheduler may have missed while the bot
// was down: messages left in the outbox go out at once, not at the next
// minute; then it warms the embedded store's account cache.
func (a *app) catchUp(ctx context.Context, delivery *playbooks.Delivery, loc *time.Location, log *slog.Logger) {
	if _, err := delivery.Run(ctx, a.engine.Now()); err != nil {
		log.Error("catch-up delivery", "err", err)
	}
	if err := a.refreshIfStale(ctx, nil); err != nil {
		log.Error("catch-up health refresh", "err", err)
	}
	// A Monday summary missed while the bot was down goes out now
	// (queueing it twice is harmless: the outbox id is per day).
	if now := a.engine.Now().In(loc); now.Weekday() == time.Monday && now.Hour() >= 9 {
		if err := playbooks.QueueSummaries(ctx, a.store, now, a.org); err != nil {
			log.Error("catch-up weekly summary", "err", err)
		}
	}
	if n, err := a.store.WarmCache(ctx); err != nil {
		log.Error("warm account cache", "err", err)
	} else if n > 0 {
		log.Info("account cache warm", "accounts", n)
	}
}

// httpHandler serves the probes and /metrics.
func (a *app) httpHandler() *http.ServeMux {
	mux := a.probes()
	mux.Handle("GET /metrics", a.metrics.handler())
	return mux
}

// probes serves /healthz and /readyz.
func (a *app) probes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if reason := a.notReady(ctx); reason != "" {
			a.log.Warn("not ready", "reason", reason)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	return mux
}

// notReady says why this replica should not get traffic, or "".
func (a *app) notReady(ctx context.Context) string {
	if a.draining.Load() {
		return "shutting down"
	}
	if err := a.store.Ping(ctx); err != nil {
		return "store unreachable"
	}
	for _, p := range a.readiness {
		if p.ready == nil {
			continue
		}
		if err := p.ready(); err != nil {
			return err.Error()
		}
	}
	return ""
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// serveGCPercent is the garbage collector's target when GOGC is unset. Go's
// default (100) pushed the in-process Slack load test's p99 to 23 ms
// (18.5 ms at 400), but 400 let the heap grow to five times the live one:
// csbot serve alone over 10,000 accounts, 50 clients, measured 212 MB after
// the load at 400 (p99 15.8 ms), 136 MB at 150 (p99 15.1 ms), 117 MB at
// 100 (p99 17.4 ms). GOGC in the environment still wins.
const serveGCPercent = 150

func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}
