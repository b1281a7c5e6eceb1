// Package fts5peer runs SQLite FTS5 as a benchmark peer: the porter and
// unicode61 tokenizers and FTS5's bm25() ranking, in a temporary database
// file through modernc.org/sqlite.
package fts5peer

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/kakehashi/kakehashi/bench"
)

// Peer is SQLite FTS5 as a bench.System.
type Peer struct {
	dir  string
	db   *sql.DB
	stmt *sql.Stmt
}

// New returns the peer.
func New() *Peer { return &Peer{} }

var _ bench.System = (*Peer)(nil)

// Name implements bench.System.
func (p *Peer) Name() string { return "fts5" }

// Build implements bench.System.
func (p *Peer) Build(ctx context.Context, docs []bench.Doc) error {
	dir, err := os.MkdirTemp("", "kakehashi-fts5-")
	if err != nil {
		return err
	}
	p.dir = dir
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "fts.db")+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	p.db = db
	if _, err := db.ExecContext(ctx, `CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, tokenize = 'porter unicode61')`); err != nil {
		return fmt.Errorf("fts5: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO docs (id, title, text) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if _, err := ins.ExecContext(ctx, d.ID, d.Title, d.Text); err != nil {
			tx.Rollback()
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO docs (docs) VALUES ('optimize')`); err != nil {
		return err
	}
	p.stmt, err = db.PrepareContext(ctx, `SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?`)
	return err
}

// matchExpr turns free text into an FTS5 query: the words OR-ed together,
// each quoted so that no word is read as an operator.
func matchExpr(q string) string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	seen := map[string]bool{}
	var parts []string
	for _, w := range words {
		if !seen[w] {
			seen[w] = true
			parts = append(parts, `"`+w+`"`)
		}
	}
	return strings.Join(parts, " OR ")
}

// Search implements bench.System.
func (p *Peer) Search(ctx context.Context, q string, k int) ([]string, error) {
	expr := matchExpr(q)
	if expr == "" {
		return nil, nil
	}
	rows, err := p.stmt.QueryContext(ctx, expr, k)
	if err != nil {
		return nil, fmt.Errorf("fts5: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Close implements bench.System.
func (p *Peer) Close() error {
	if p.db != nil {
		p.db.Close()
	}
	if p.dir != "" {
		os.RemoveAll(p.dir)
	}
	return nil
}
