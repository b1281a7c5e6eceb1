package sqlstore

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// changeChannel is the PostgreSQL NOTIFY channel on which every write to the
// change feed is announced, with the new sequence number as payload.
const changeChannel = "kakehashi_changes"

// ListenSuffix ends the application_name of the LISTEN connection of
// WaitChanges ("kakehashi/listen" unless the URL names the application).
const ListenSuffix = "/listen"

// WaitOptions tune WaitChanges.
type WaitOptions struct {
	// Logger receives connection losses and reconnections (default: none).
	Logger *slog.Logger
	// MinBackoff and MaxBackoff bound the wait between reconnection
	// attempts, which doubles after each failure (defaults 100ms and 5s).
	MinBackoff, MaxBackoff time.Duration
	// Listening, if set, is called each time the LISTEN is in place (after
	// the first connection and after every reconnection).
	Listening func()
	// PingEvery is how long the connection may stay silent before it is
	// pinged, so that a connection that died without a word (a dropped
	// network path) is noticed and replaced (default 30s).
	PingEvery time.Duration
}

// WaitChanges returns a channel that receives a value when the change feed
// may have grown, so that a follower can catch up at once instead of at its
// next poll. Wake-ups coalesce: one pending value stands for any number of
// changes. The channel is closed when ctx ends.
//
// On PostgreSQL a goroutine holds one dedicated connection (outside the
// pool) that LISTENs on the change channel; writers NOTIFY in the same
// transaction, so the wake-up arrives after the commit, from any replica. A
// lost connection is re-established with exponential backoff, and a wake-up
// is sent after every (re)connection, since notifications sent in between are
// lost: the follower's sequence catch-up covers the gap. On SQLite, a single
// process owns the file and followers poll; the channel then only closes.
func (db *DB) WaitChanges(ctx context.Context, opt WaitOptions) <-chan struct{} {
	ch := make(chan struct{}, 1)
	if db.dialect != Postgres {
		go func() {
			<-ctx.Done()
			close(ch)
		}()
		return ch
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = 100 * time.Millisecond
	}
	if opt.MaxBackoff < opt.MinBackoff {
		opt.MaxBackoff = max(5*time.Second, opt.MinBackoff)
	}
	if opt.PingEvery <= 0 {
		opt.PingEvery = 30 * time.Second
	}
	go db.listen(ctx, ch, opt)
	return ch
}

// listen runs the LISTEN loop of WaitChanges until ctx ends.
func (db *DB) listen(ctx context.Context, ch chan struct{}, opt WaitOptions) {
	defer close(ch)
	wake := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	backoff := opt.MinBackoff
	lost := false
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, opt.PingEvery, func() {
			backoff = opt.MinBackoff
			if lost {
				opt.Logger.Info("change feed: LISTEN connection re-established")
			} else {
				opt.Logger.Info("change feed: listening for notifications", "channel", changeChannel)
			}
			if opt.Listening != nil {
				opt.Listening()
			}
			wake() // catch up with whatever was missed while not listening
		}, wake)
		if ctx.Err() != nil {
			return
		}
		lost = true
		opt.Logger.Warn("change feed: LISTEN connection lost; reconnecting", "err", err, "backoff", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, opt.MaxBackoff)
	}
}

// listenOnce connects, LISTENs, calls listening, and calls wake for every
// notification until the connection fails or ctx ends. A connection silent
// for pingEvery is pinged.
func (db *DB) listenOnce(ctx context.Context, pingEvery time.Duration, listening, wake func()) error {
	cfg, err := pgx.ParseConfig(db.dsn)
	if err != nil {
		return err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	// Name the connection so that operators can tell it in
	// pg_stat_activity: "kakehashi/listen" (or APPNAME/listen).
	app := cfg.RuntimeParams["application_name"]
	if app == "" {
		app = "kakehashi"
	}
	cfg.RuntimeParams["application_name"] = app + ListenSuffix
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+changeChannel); err != nil {
		return err
	}
	listening()
	for {
		// A timed-out wait leaves a pgx connection usable.
		wctx, cancel := context.WithTimeout(ctx, pingEvery)
		_, err := conn.WaitForNotification(wctx)
		timedOut := wctx.Err() != nil
		cancel()
		switch {
		case err == nil:
			wake()
		case ctx.Err() != nil:
			return ctx.Err()
		case timedOut:
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		default:
			return err
		}
	}
}
