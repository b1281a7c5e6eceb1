// Package sqlstore stores Kakehashi's records in SQLite (the embedded
// default, a single file) or PostgreSQL, through database/sql with one set of
// SQL for both. Every write runs in a transaction together with its audit
// event and, for listings, its change-feed entry.
package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/kakehashi/kakehashi"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Dialect names a SQL backend.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// changeFeedLock is the PostgreSQL advisory lock that orders change-feed
// writers, so that sequence order equals commit order and a follower reading
// "after seq N" never skips a change that commits late.
const changeFeedLock = 7_243_001

// migrationLock is the PostgreSQL advisory lock held while migrating, so that
// replicas starting together migrate once.
const migrationLock = 7_243_002

// DB is a Kakehashi store on one database.
type DB struct {
	db      *sql.DB
	dialect Dialect
	dsn     string // for the dedicated LISTEN connection (PostgreSQL)
	// Now returns the current time; tests replace it to control timestamps.
	Now func() time.Time

	// gateConf is the export-control gate's configuration (SetGate).
	gateConf atomic.Pointer[Gate]
}

// Options tune the connection pool.
type Options struct {
	// MaxOpenConns bounds the pool; zero keeps the driver's default
	// (unbounded for PostgreSQL, which is rarely what a server wants).
	MaxOpenConns int
	// MaxIdleConns bounds the idle connections kept open; zero keeps
	// MaxOpenConns of them (or the driver's default without it).
	MaxIdleConns int
	// ConnMaxLifetime closes connections older than this (zero: never), so
	// that a pool follows a fail-over or a restarted server.
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime closes connections idle for longer (zero: never).
	ConnMaxIdleTime time.Duration
}

// Open connects to dsn: a postgres:// or postgresql:// URL for PostgreSQL,
// else a SQLite file path (or "file:" URI). It does not migrate.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	var (
		db      *sql.DB
		dialect Dialect
		err     error
	)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		dialect = Postgres
		db, err = sql.Open("pgx", dsn)
	} else {
		dialect = SQLite
		db, err = sql.Open("sqlite", sqliteDSN(dsn))
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	if opt.MaxOpenConns > 0 {
		db.SetMaxOpenConns(opt.MaxOpenConns)
		db.SetMaxIdleConns(opt.MaxOpenConns)
	}
	if opt.MaxIdleConns > 0 {
		db.SetMaxIdleConns(opt.MaxIdleConns)
	}
	db.SetConnMaxLifetime(opt.ConnMaxLifetime)
	db.SetConnMaxIdleTime(opt.ConnMaxIdleTime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	return &DB{db: db, dialect: dialect, dsn: dsn, Now: time.Now}, nil
}

// sqliteDSN turns a path into a modernc.org/sqlite URI with the pragmas the
// store relies on: WAL for concurrent readers, a busy timeout instead of
// immediate "database is locked" errors, foreign keys, and immediate
// transactions so that two writers never deadlock upgrading a read lock.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	if strings.HasPrefix(path, "file:") {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		return path + sep + q.Encode()
	}
	return "file:" + path + "?" + q.Encode()
}

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// Dialect reports which backend db uses.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL exposes the underlying handle for maintenance commands and tests.
func (db *DB) SQL() *sql.DB { return db.db }

// now returns the current time in UTC at microsecond precision, which both
// backends store exactly, so a value read back equals the value written.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// Migrate applies the embedded migrations that have not been applied yet.
// It is safe to call from several processes at once: PostgreSQL runs it under
// an advisory lock and SQLite under an immediate (write-locking) transaction.
func (db *DB) Migrate(ctx context.Context) error { return db.migrate(ctx, math.MaxInt) }

// migrate applies the embedded migrations up to version upTo (tests stop
// early to check that a later migration keeps existing data).
func (db *DB) migrate(ctx context.Context, upTo int) error {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("list migrations: %w", err)
	}
	sort.Strings(files)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if db.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
				return fmt.Errorf("lock for migration: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, db.ddl(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at {{ts}} NOT NULL)`)); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		applied := map[int]bool{}
		rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("read schema_migrations: %w", err)
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			applied[v] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, name := range files {
			base := strings.TrimPrefix(name, "migrations/")
			v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
			if err != nil {
				return fmt.Errorf("migration %s: name must start with a number", base)
			}
			if applied[v] || v > upTo {
				continue
			}
			text, err := migrationFS.ReadFile(name)
			if err != nil {
				return err
			}
			for _, stmt := range splitStatements(db.ddl(string(text))) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migration %s: %w", base, err)
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, v, db.now()); err != nil {
				return fmt.Errorf("record migration %s: %w", base, err)
			}
		}
		return nil
	})
}

// MigrationVersions returns the versions of the embedded migrations in
// order. Versions may have gaps: numbers are reserved per feature branch.
func MigrationVersions() ([]int, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := make([]int, 0, len(files))
	for _, name := range files {
		v, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(name, "migrations/"), "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", name)
		}
		out = append(out, v)
	}
	return out, nil
}

// SchemaVersion returns the highest applied migration, 0 before the first.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return int(v.Int64), nil
}

// ddl replaces the dialect placeholders of a schema statement.
func (db *DB) ddl(s string) string {
	r := map[Dialect]*strings.Replacer{
		SQLite:   strings.NewReplacer("{{pk}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "{{ts}}", "TIMESTAMP", "{{blob}}", "BLOB"),
		Postgres: strings.NewReplacer("{{pk}}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", "{{ts}}", "TIMESTAMPTZ", "{{blob}}", "BYTEA"),
	}[db.dialect]
	return r.Replace(s)
}

// splitStatements splits a migration on semicolons at line ends; the
// migrations contain no semicolons inside literals.
func splitStatements(s string) []string {
	var out []string
	var lines []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		lines = append(lines, line)
		if strings.HasSuffix(strings.TrimSpace(line), ";") {
			stmt := strings.TrimSpace(strings.Join(lines, "\n"))
			out = append(out, strings.TrimSuffix(stmt, ";"))
			lines = lines[:0]
		}
	}
	if rest := strings.TrimSpace(strings.Join(lines, "\n")); rest != "" {
		out = append(out, rest)
	}
	return out
}

// inTx runs fn in a transaction, committing when it returns nil.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", mapError(err))
	}
	return nil
}

// notFound is the error for a missing record of type what.
func notFound(what string, id any) error {
	return kakehashi.Errorf(kakehashi.ENOTFOUND, "%s %v not found", what, id)
}

// audit appends an audit event within tx.
func (db *DB) audit(ctx context.Context, tx *sql.Tx, actor *kakehashi.User, action, recordType string, recordID int64, details any) error {
	var d []byte
	if details != nil {
		var err error
		if d, err = json.Marshal(details); err != nil {
			return fmt.Errorf("audit details: %w", err)
		}
	}
	var actorID sql.NullInt64
	label := "system"
	if actor != nil {
		actorID = sql.NullInt64{Int64: actor.ID, Valid: actor.ID != 0}
		label = actor.Email
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (actor_id, actor, action, record_type, record_id, at, details) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		actorID, label, action, recordType, recordID, db.now(), string(d))
	if err != nil {
		return fmt.Errorf("write audit event: %w", err)
	}
	return nil
}

// jsonText encodes v for a TEXT column holding JSON.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sqlstore: encode %T: %v", v, err)) // only plain data types are stored
	}
	return string(b)
}

// contentHash fingerprints the content of a record so that an upsert of the
// same content can be told apart from a change.
func contentHash(v any) string {
	sum := sha256.Sum256([]byte(jsonText(v)))
	return hex.EncodeToString(sum[:16])
}

// nullString stores "" as NULL, for unique columns where empty means absent.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// limit clamps a requested page size.
func limit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 1000:
		return 1000
	}
	return n
}

// GetMeta returns the value stored under key, or "" if none.
func (db *DB) GetMeta(ctx context.Context, key string) (string, error) {
	var v string
	err := db.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read meta %s: %w", key, err)
	}
	return v, nil
}

// SetMeta stores value under key.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("write meta %s: %w", key, err)
	}
	return nil
}

// Ready reports whether the database answers and is migrated.
func (db *DB) Ready(ctx context.Context) error {
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if v == 0 {
		return errors.New("database not migrated; run kakehashi migrate")
	}
	return nil
}

// Secret returns the random 32-byte secret stored under name, creating it
// on first use. Replicas sharing a database share it.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	key := "secret:" + name
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := db.db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, hex.EncodeToString(fresh)); err != nil {
		return nil, fmt.Errorf("create secret %s: %w", name, err)
	}
	v, err := db.GetMeta(ctx, key)
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}
