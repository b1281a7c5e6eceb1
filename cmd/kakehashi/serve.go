package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kakehashi/kakehashi/auth"
	"github.com/kakehashi/kakehashi/compliance"
	"github.com/kakehashi/kakehashi/demo"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/metrics"
	"github.com/kakehashi/kakehashi/notify"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/textproc"
	"github.com/kakehashi/kakehashi/web"
)

func (e *Env) serve(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	metricsAddr := fs.String("metrics-addr", "", "address of a separate listener serving the Prometheus metrics at /metrics, e.g. 127.0.0.1:9090 (empty: no metrics listener)")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	loadDemo := fs.Bool("demo", false, "load the demo dataset into an empty database")
	secure := fs.Bool("secure-cookies", false, "mark session cookies Secure (set when served over TLS)")
	var proxies auth.Proxies
	fs.Var(&proxies, "trusted-proxies", "comma-separated addresses or CIDR networks of the reverse proxies whose X-Forwarded-For is believed; "+
		"the client is the right-most address not among them (empty: the client is the TCP peer)")
	maxConns := fs.Int("max-conns", 0, "database connection pool size (0: 20 for PostgreSQL, driver default for SQLite)")
	idleConns := fs.Int("max-idle-conns", 0, "idle database connections kept open (0: as many as --max-conns)")
	connLifetime := fs.Duration("conn-max-lifetime", 30*time.Minute, "close PostgreSQL connections older than this, to follow a fail-over (0: never)")
	connIdle := fs.Duration("conn-max-idle-time", 5*time.Minute, "close PostgreSQL connections idle for longer than this (0: never)")
	shutdown := fs.Duration("shutdown-timeout", 20*time.Second, "how long to let requests finish on SIGTERM")
	follow := fs.Duration("follow-interval", 0, "how often the search index polls the change feed (0: 250ms on SQLite; 5s on PostgreSQL, where LISTEN/NOTIFY wakes it at once)")
	staleAfter := fs.Duration("index-stale-after", search.DefaultStaleAfter, "how long the search index may go without applying the change feed, while behind it, before /readyz reports it stuck")
	stallDays := fs.Int("stall-days", 14, "days without a stage change after which an introduction is stalled, flagged and reminded")
	screenAll := fs.Bool("screen-all-cross-border", false, "screen every cross-border interest, not only those in export-control-relevant listings")
	screenThreshold := fs.Float64("screen-threshold", 0, "lowest screening score reported as a potential match (0: the matcher's default)")
	smtpAddr := fs.String("smtp-addr", "", "SMTP relay host:port for e-mail notifications (without it e-mails stay queued in the outbox)")
	smtpUser := fs.String("smtp-user", "", "SMTP user name (the password comes from KAKEHASHI_SMTP_PASSWORD)")
	smtpFrom := fs.String("smtp-from", "Kakehashi <kakehashi@localhost>", "sender address of e-mail notifications")
	baseURL := fs.String("base-url", "", "the site's public URL, for links in e-mails (default http://ADDR)")
	hooksLoopback := fs.Bool("webhooks-allow-loopback", false, "let webhooks point at loopback addresses (127.0.0.1, ::1, localhost), for tests and a receiver on this machine; private and link-local addresses stay refused")
	deliverEvery := fs.Duration("deliver-interval", 5*time.Second, "how often the outbox of e-mails and webhooks is delivered")
	alertEvery := fs.Duration("alert-interval", 10*time.Minute, "how often saved alerts are checked for new matching seeds")
	lexPath := fs.String("lexicon", lexicon.DefaultPath, "EDICT Japanese–English dictionary for cross-lingual matching, or none")
	kpiEvery := fs.Duration("kpi-refresh", time.Minute, "how often the KPI dashboard's monthly rollups are brought up to date")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	log := e.Logger()
	now := e.Clock // the one clock of every layer and job below
	if *maxConns < 0 || *idleConns < 0 || *connLifetime < 0 || *connIdle < 0 || *follow < 0 {
		return cli.Usage("--max-conns, --max-idle-conns, --conn-max-lifetime, --conn-max-idle-time and --follow-interval must not be negative")
	}
	if *staleAfter <= 0 {
		return cli.Usage("--index-stale-after must be positive")
	}
	opt := sqlstore.Options{MaxOpenConns: *maxConns, MaxIdleConns: *idleConns}
	if isPostgres(*dsn) { // SQLite's connections are to a local file: keep them
		opt.ConnMaxLifetime, opt.ConnMaxIdleTime = *connLifetime, *connIdle
	}
	db, err := e.OpenDB(ctx, *dsn, opt)
	if err != nil {
		return err
	}
	defer db.Close()
	if db.Dialect() == sqlstore.Postgres && *maxConns == 0 {
		db.SQL().SetMaxOpenConns(20)
		if *idleConns == 0 {
			db.SQL().SetMaxIdleConns(20)
		}
	}
	if *follow == 0 {
		*follow = 250 * time.Millisecond
		if db.Dialect() == sqlstore.Postgres {
			*follow = 5 * time.Second
		}
	}
	if *loadDemo {
		res, err := demo.Load(ctx, db, auth.DefaultParams)
		if err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
		if res.Loaded {
			log.Info("demo data loaded", "organizations", res.Organizations, "listings", res.Listings, "users", res.Users, "researchers", res.Researchers,
				"password", demo.Password)
		} else {
			log.Info("demo data not loaded: the database already has data")
		}
	}

	reg := metrics.NewRegistry()
	reg.AddGauge(metrics.Gauge{Name: "kakehashi_listings", Help: "Listings by side and status.",
		Read: func(ctx context.Context) (map[string]float64, error) {
			counts, err := db.ListingCounts(ctx)
			if err != nil {
				return nil, err
			}
			out := map[string]float64{}
			for side, byStatus := range counts {
				for status, n := range byStatus {
					out[fmt.Sprintf("side=%q,status=%q", side, status)] = float64(n)
				}
			}
			return out, nil
		}})
	reg.AddGauge(metrics.Gauge{Name: "kakehashi_db_open_connections", Help: "Open database connections.",
		Read: func(context.Context) (map[string]float64, error) {
			return map[string]float64{"": float64(db.SQL().Stats().OpenConnections)}, nil
		}})
	reg.AddGauge(metrics.Gauge{Name: "kakehashi_outbox_messages", Help: "Outgoing e-mails and webhook calls by state (pending, sent, failed).",
		Read: func(ctx context.Context) (map[string]float64, error) {
			counts, err := db.OutboxCounts(ctx)
			if err != nil {
				return nil, err
			}
			out := map[string]float64{}
			for state, n := range counts {
				out[fmt.Sprintf("state=%q", state)] = float64(n)
			}
			return out, nil
		}})
	an, err := textproc.New()
	if err != nil {
		return fmt.Errorf("load text analysis: %w", err)
	}
	engine := search.New(an, db, search.Options{Logger: log, Lexicon: loadLexicon(log, *lexPath), Now: now, StaleAfter: *staleAfter})
	wake := db.WaitChanges(ctx, sqlstore.WaitOptions{Logger: log})
	go runIndex(ctx, engine, log, *follow, wake, e.beforeIndex)
	reg.AddGauge(metrics.Gauge{Name: "kakehashi_search_index", Help: "Search index size and change-feed position.",
		Read: func(context.Context) (map[string]float64, error) {
			st := engine.Stats()
			return map[string]float64{`what="listings"`: float64(st.Listings), `what="terms"`: float64(st.Terms),
				`what="postings"`: float64(st.Postings), `what="seq"`: float64(st.Seq)}, nil
		}})
	if *stallDays < 1 {
		return cli.Usage("--stall-days must be at least 1")
	}
	stallAfter := time.Duration(*stallDays) * 24 * time.Hour
	go remindStalled(ctx, db, log, now, stallAfter, time.Hour)
	if *deliverEvery <= 0 || *alertEvery <= 0 {
		return cli.Usage("--deliver-interval and --alert-interval must be positive")
	}
	go checkAlerts(ctx, db, engine, log, now, *alertEvery)
	if *kpiEvery <= 0 {
		return cli.Usage("--kpi-refresh must be positive")
	}
	go refreshKPIs(ctx, db, log, *kpiEvery)
	screen := compliance.New(db, compliance.Config{Threshold: *screenThreshold, ScreenAllCrossBorder: *screenAll, Logger: log})
	if _, err := screen.Refresh(ctx); err != nil {
		return fmt.Errorf("load screening lists: %w", err)
	}
	go refreshScreening(ctx, screen, log, 30*time.Second)
	api := httpapi.New(db, log, reg, httpapi.Config{Now: now, SecureCookies: *secure, TrustedProxies: proxies, Search: engine, StallAfter: stallAfter, Screening: screen,
		ReadyChecks:           []httpapi.ReadyCheck{{Name: "search", Check: engine.Probe}},
		ReadyDetails:          []httpapi.ReadyDetail{{Name: "languages", Info: engine.Languages}},
		WebhooksAllowLoopback: *hooksLoopback})
	pages, err := web.New(db, engine, api, log)
	if err != nil {
		return fmt.Errorf("web pages: %w", err)
	}
	pages.SetClock(now)
	pages.SetStallAfter(stallAfter)
	pages.SetIntroducer(screen.CreateIntroduction)
	pages.SetScreener(screen.Screen)
	pages.SetChecker(screen.Check)
	pages.SetWebhooksAllowLoopback(*hooksLoopback)
	srv := &http.Server{
		Handler:           api.Handler(pages),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "db", cli.Redact(*dsn), "dialect", db.Dialect())
	if *metricsAddr != "" {
		mln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("metrics listener: %w", err)
		}
		msrv := &http.Server{Handler: api.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 16 << 10}
		log.Info("serving metrics", "addr", "http://"+mln.Addr().String()+"/metrics")
		mdone := make(chan struct{})
		go func() {
			defer close(mdone)
			if err := msrv.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("metrics listener", "err", err)
			}
		}()
		defer func() {
			msrv.Close()
			<-mdone
		}()
	}
	if *baseURL == "" {
		*baseURL = "http://" + ln.Addr().String()
	}
	deliverer := notify.New(db, notify.Config{SMTPAddr: *smtpAddr, SMTPUser: *smtpUser, SMTPPassword: e.Getenv("KAKEHASHI_SMTP_PASSWORD"),
		From: *smtpFrom, BaseURL: *baseURL, AllowLoopback: *hooksLoopback, Logger: log, Now: now})
	delivered := make(chan struct{})
	dctx, stopDelivery := context.WithCancel(ctx)
	defer func() { stopDelivery(); <-delivered }()
	go func() {
		defer close(delivered)
		deliverer.Run(dctx, *deliverEvery)
	}()
	if e.Ready != nil {
		e.Ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests", "timeout", *shutdown)
	sctx, cancel := context.WithTimeout(context.Background(), *shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// remindStalled reminds the owners and coordinators of stalled
// introductions, every interval until ctx ends.
func remindStalled(ctx context.Context, db *sqlstore.DB, log *slog.Logger, now func() time.Time, stallAfter, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := db.RemindStalled(ctx, now().Add(-stallAfter))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("remind stalled introductions", "err", err)
		case n > 0:
			log.Info("reminded stalled introductions", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refreshKPIs recomputes the KPI rollups of the months writes have marked,
// at once and then every interval until ctx ends.
func refreshKPIs(ctx context.Context, db *sqlstore.DB, log *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		start := time.Now()
		r, err := db.RefreshKPIsOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("refresh KPI rollups", "err", err)
		case err == nil && r != nil && len(r.Months) > 0:
			log.Info("refreshed KPI rollups", "months", len(r.Months), "took", time.Since(start).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refreshScreening picks up list versions loaded by other processes (such
// as kakehashi screen load), every interval until ctx ends.
func refreshScreening(ctx context.Context, s *compliance.Service, log *slog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			log.Error("refresh screening lists", "err", err)
		}
	}
}

// checkAlerts announces new seeds matching saved alerts, every interval
// until ctx ends, once the search index is built. Seeds younger than a
// minute wait for the next round, so that the index has them.
func checkAlerts(ctx context.Context, db *sqlstore.DB, engine *search.Engine, log *slog.Logger, now func() time.Time, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if engine.Ready(ctx) != nil {
			continue
		}
		n, err := db.CheckAlerts(ctx, notify.SeedMatcher{Engine: engine}, now().Add(-time.Minute))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("check saved alerts", "err", err)
		case n > 0:
			log.Info("announced new seeds to saved alerts", "count", n)
		}
	}
}

// runIndex builds the search index, retrying until it succeeds, then
// follows the change feed until ctx ends: at once when wake says the feed
// grew, and every interval regardless. before, if set, runs first (a test
// hook that holds the build back).
func runIndex(ctx context.Context, engine *search.Engine, log *slog.Logger, every time.Duration, wake <-chan struct{}, before func(context.Context)) {
	if before != nil {
		before(ctx)
	}
	for {
		err := engine.Build(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		log.Error("build search index; retrying in 5s", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
	engine.FollowWake(ctx, every, wake)
}
