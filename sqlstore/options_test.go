package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/internal/testwait"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// TestPoolOptions checks that the pool bounds reach database/sql: at most
// MaxOpenConns connections, and idle ones closed after ConnMaxIdleTime.
func TestPoolOptions(t *testing.T) {
	for _, backend := range []string{"SQLite", "Postgres"} {
		t.Run(backend, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "k.db")
			if backend == "Postgres" {
				dsn = postgres.Get(t).NewDatabase(t)
			}
			ctx := context.Background()
			db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{MaxOpenConns: 3, MaxIdleConns: 2, ConnMaxIdleTime: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if got := db.SQL().Stats().MaxOpenConnections; got != 3 {
				t.Fatalf("MaxOpenConnections = %d; want 3", got)
			}
			// Hold three connections at once, then let them go idle.
			var conns []interface{ Close() error }
			for range 3 {
				c, err := db.SQL().Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				conns = append(conns, c)
			}
			if got := db.SQL().Stats().OpenConnections; got != 3 {
				t.Fatalf("%d open connections; want 3", got)
			}
			for _, c := range conns {
				c.Close()
			}
			if got := db.SQL().Stats().Idle; got != 2 {
				t.Fatalf("%d idle connections kept; want MaxIdleConns = 2", got)
			}
			if !testwait.Until(5*time.Second, func() bool { return db.SQL().Stats().Idle == 0 }) {
				t.Fatalf("idle connections not closed within 5s after ConnMaxIdleTime: %+v", db.SQL().Stats())
			}
		})
	}
}
