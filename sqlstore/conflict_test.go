package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// backends runs fn on a fresh SQLite file and a fresh PostgreSQL database.
func backends(t *testing.T, fn func(t *testing.T, dsn string, postgres bool)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, filepath.Join(t.TempDir(), "kakehashi.db"), false) })
	t.Run("Postgres", func(t *testing.T) { fn(t, postgres.Get(t).NewDatabase(t), true) })
}

// TestEveryUniqueConstraintIsKnown: every unique constraint of the schema
// is one the store turns into a conflict on a named field, or one only the
// server's own values can break — so no write answers with the database's
// text, and a constraint added later must say what it means.
func TestEveryUniqueConstraintIsKnown(t *testing.T) {
	backends(t, func(t *testing.T, dsn string, pg bool) {
		db := openMigrated(t, dsn)
		keys := uniqueKeys(t, db.SQL(), pg)
		if len(keys) < 15 {
			t.Fatalf("found only %d unique constraints: %v", len(keys), keys)
		}
		for _, k := range keys {
			if !sqlstore.KnownUnique(k) {
				t.Errorf("unique constraint %s is not mapped to a field (sqlstore/conflict.go)", k)
			}
		}
	})
}

// uniqueKeys lists the schema's unique constraints as "table(column, …)",
// less the single-column id primary keys.
func uniqueKeys(t *testing.T, q *sql.DB, pg bool) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	add := func(table, cols string) {
		if cols != "id" {
			out = append(out, table+"("+cols+")")
		}
	}
	if pg {
		rows, err := q.QueryContext(ctx, `SELECT c.relname, string_agg(a.attname, ', ' ORDER BY k.ord)
			FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
			WHERE x.indisunique AND n.nspname = current_schema() GROUP BY c.relname, x.indexrelid`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var table, cols string
			if err := rows.Scan(&table, &cols); err != nil {
				t.Fatal(err)
			}
			add(table, cols)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	var tables []string
	rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	column := func(query string, col int, n int) [][]any {
		rows, err := q.QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var res [][]any
		for rows.Next() {
			vals := make([]any, n)
			ptrs := make([]any, n)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			res = append(res, vals)
		}
		return res
	}
	for _, table := range tables {
		// index_list: seq, name, unique, origin, partial.
		for _, idx := range column(fmt.Sprintf(`PRAGMA index_list("%s")`, table), 0, 5) {
			if fmt.Sprint(idx[2]) != "1" {
				continue
			}
			// index_info: seqno, cid, name, in seqno order.
			var cols []string
			for _, c := range column(fmt.Sprintf(`PRAGMA index_info("%s")`, idx[1]), 0, 3) {
				cols = append(cols, fmt.Sprint(c[2]))
			}
			add(table, strings.Join(cols, ", "))
		}
	}
	return out
}

// TestListingExternalIDsMoveToTheirOrganization: migration 170 keeps every
// listing's external id, now unique per organization, and leaves the old,
// global column empty.
func TestListingExternalIDsMoveToTheirOrganization(t *testing.T) {
	backends(t, func(t *testing.T, dsn string, _ bool) {
		ctx := context.Background()
		db, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.MigrateTo(ctx, 169); err != nil {
			t.Fatal(err)
		}
		sys := kakehashi.SystemActor("test")
		a, b := storetest.Org("a", "JP"), storetest.Org("b", "US")
		for _, o := range []*kakehashi.Organization{a, b} {
			if err := db.CreateOrganization(ctx, o, sys); err != nil {
				t.Fatal(err)
			}
		}
		with, without := storetest.Listing(a.ID, "kept"), storetest.Listing(a.ID, "none")
		without.ExternalID = ""
		for _, l := range []*kakehashi.Listing{with, without} {
			if err := db.CreateListing(ctx, l, sys); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		for _, l := range []*kakehashi.Listing{with, without} {
			got, err := db.Listing(ctx, l.ID)
			if err != nil || got.ExternalID != l.ExternalID {
				t.Errorf("listing %d after the migration: %+v, %v; want external id %q", l.ID, got, err, l.ExternalID)
			}
		}
		var left int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM listings WHERE external_id_unscoped IS NOT NULL`).Scan(&left); err != nil || left != 0 {
			t.Errorf("%d listings keep a value in the old column (%v)", left, err)
		}
		if err := db.CreateListing(ctx, storetest.Listing(b.ID, "kept"), sys); err != nil {
			t.Errorf("another organization's listing with a migrated external id: %v", err)
		}
	})
}
