package sqlstore_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kakehashi/kakehashi/internal/pgtest"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

var postgres pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	postgres.Stop()
	os.Exit(code)
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) string {
		return filepath.Join(t.TempDir(), "kakehashi.db")
	})
}

func TestPostgres(t *testing.T) {
	cluster := postgres.Get(t)
	storetest.Run(t, func(t *testing.T) string { return cluster.NewDatabase(t) })
}
