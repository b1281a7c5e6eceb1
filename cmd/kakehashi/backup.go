package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// backupCmd writes a consistent copy of the database to a new file while
// the database stays in use: SQLite with VACUUM INTO (one read transaction,
// so writers carry on), PostgreSQL with pg_dump's custom format (one
// snapshot). The copy is written under a temporary name and renamed only
// when complete, so OUT never holds half a backup.
func (e *Env) backupCmd(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi backup")
	dsn := fs.String("db", "kakehashi.db", "SQLite file or postgres:// URL")
	pgDump := fs.String("pg-dump", "pg_dump", "the pg_dump program for PostgreSQL (its major version must be at least the server's)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: kakehashi backup [--db …] [--pg-dump PATH] OUT")
		fs.PrintDefaults()
	}
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.Usage("usage: kakehashi backup [--db …] OUT (exactly one output file)")
	}
	out := fs.Arg(0)
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("backup: %s exists; a backup never overwrites a file", out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	if isPostgres(*dsn) {
		return e.backupPostgres(ctx, *dsn, *pgDump, out)
	}
	return e.backupSQLite(ctx, *dsn, out)
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// partialName is where a backup is written before it is complete.
func partialName(out string) string {
	return filepath.Join(filepath.Dir(out), fmt.Sprintf(".%s.partial-%d", filepath.Base(out), os.Getpid()))
}

// publish moves a complete backup to out, refusing to replace a file that
// appeared meanwhile.
func publish(tmp, out string) error {
	if err := os.Link(tmp, out); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	return os.Remove(tmp)
}

func (e *Env) backupSQLite(ctx context.Context, path, out string) error {
	// Open would create a missing file: refuse instead of backing up an
	// empty new database.
	if file := strings.TrimPrefix(strings.SplitN(path, "?", 2)[0], "file:"); file != "" {
		if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("backup: database %s does not exist", path)
		}
	}
	db, err := sqlstore.Open(ctx, path, sqlstore.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	tmp := partialName(out)
	if _, err := db.SQL().ExecContext(ctx, `VACUUM INTO $1`, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup %s: %w", path, err)
	}
	version, listings, err := checkSQLiteBackup(ctx, tmp)
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := publish(tmp, out); err != nil {
		return err
	}
	info, _ := os.Stat(out)
	fmt.Fprintf(e.Stderr, "backed up sqlite database %s to %s (%d bytes): schema version %d, %d listings\n", path, out, info.Size(), version, listings)
	return nil
}

// checkSQLiteBackup opens a fresh copy and checks its integrity.
func checkSQLiteBackup(ctx context.Context, file string) (version, listings int, err error) {
	db, err := sqlstore.Open(ctx, file, sqlstore.Options{})
	if err != nil {
		return 0, 0, fmt.Errorf("check backup: %w", err)
	}
	defer db.Close()
	var ok string
	if err := db.SQL().QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&ok); err != nil || ok != "ok" {
		return 0, 0, fmt.Errorf("check backup: integrity check says %q: %v", ok, err)
	}
	if version, err = db.SchemaVersion(ctx); err != nil {
		return 0, 0, fmt.Errorf("check backup: %w", err)
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM listings`).Scan(&listings); err != nil {
		return 0, 0, fmt.Errorf("check backup: %w", err)
	}
	return version, listings, nil
}

func (e *Env) backupPostgres(ctx context.Context, dsn, pgDump, out string) error {
	tmp := partialName(out)
	cmd := exec.CommandContext(ctx, pgDump, "--format=custom", "--no-owner", "--file="+tmp, "--dbname="+dsn)
	cmd.Stdout = e.Stderr
	cmd.Stderr = e.Stderr
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("backup %s: %s: %w", cli.Redact(dsn), pgDump, err)
	}
	if err := publish(tmp, out); err != nil {
		return err
	}
	info, _ := os.Stat(out)
	fmt.Fprintf(e.Stderr, "backed up postgres database %s to %s (%d bytes, pg_dump custom format; restore with pg_restore)\n", cli.Redact(dsn), out, info.Size())
	return nil
}
