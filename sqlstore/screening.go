package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kakehashi/kakehashi"
)

// SaveListVersion stores a load of a restricted-party list as a new version
// of the list called name, whole or not at all.
func (db *DB) SaveListVersion(ctx context.Context, name, format, fileName string, entries []kakehashi.ScreeningEntry, actor *kakehashi.User) (*kakehashi.ListVersion, error) {
	v := &kakehashi.ListVersion{Name: name, Format: format, FileName: fileName, Entries: len(entries), LoadedAt: db.now()}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO screening_lists (name, format, file_name, entries, loaded_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			name, format, fileName, len(entries), v.LoadedAt).Scan(&v.ID); err != nil {
			return fmt.Errorf("record list version: %w", err)
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO screening_entries (list_id, entry_id, source, type, name, aliases, country, programs, addresses)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, e := range entries {
			if _, err := stmt.ExecContext(ctx, v.ID, e.ID, e.Source, e.Type, e.Name, jsonText(nonNil(e.Aliases)), e.Country,
				jsonText(nonNil(e.Programs)), jsonText(nonNil(e.Addresses))); err != nil {
				return fmt.Errorf("store entry %s: %w", e.ID, err)
			}
		}
		return db.audit(ctx, tx, actor, "screening.load", "screening_list", v.ID, map[string]any{"name": name, "entries": len(entries)})
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ListVersions returns every load, newest first.
func (db *DB) ListVersions(ctx context.Context) ([]*kakehashi.ListVersion, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, name, format, file_name, entries, loaded_at FROM screening_lists ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("read list versions: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.ListVersion{}
	for rows.Next() {
		var v kakehashi.ListVersion
		if err := rows.Scan(&v.ID, &v.Name, &v.Format, &v.FileName, &v.Entries, &v.LoadedAt); err != nil {
			return nil, err
		}
		v.LoadedAt = v.LoadedAt.UTC()
		out = append(out, &v)
	}
	return out, rows.Err()
}

// currentVersions is the newest version of each list name.
const currentVersions = `SELECT MAX(id) FROM screening_lists GROUP BY name`

// ActiveEntries returns the entries of the newest version of every list,
// and the newest version id overall (0 when no list is loaded): what a
// screening checks against.
func (db *DB) ActiveEntries(ctx context.Context) ([]kakehashi.ScreeningEntry, int64, error) {
	var latest sql.NullInt64
	if err := db.db.QueryRowContext(ctx, `SELECT MAX(id) FROM screening_lists`).Scan(&latest); err != nil {
		return nil, 0, fmt.Errorf("read list versions: %w", err)
	}
	entries, err := db.screeningEntries(ctx, `list_id IN (`+currentVersions+`)`, 0)
	return entries, latest.Int64, err
}

// SearchEntries browses the current lists: entries whose name contains q
// (case-insensitively), at most limit.
func (db *DB) SearchEntries(ctx context.Context, q string, n int) ([]kakehashi.ScreeningEntry, error) {
	return db.screeningEntries(ctx, `list_id IN (`+currentVersions+`) AND LOWER(name) LIKE $1`, limit(n), "%"+strings.ToLower(q)+"%")
}

func (db *DB) screeningEntries(ctx context.Context, cond string, n int, args ...any) ([]kakehashi.ScreeningEntry, error) {
	q := `SELECT entry_id, source, type, name, aliases, country, programs, addresses FROM screening_entries WHERE ` + cond + ` ORDER BY id`
	if n > 0 {
		q += fmt.Sprintf(" LIMIT %d", n)
	}
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read screening entries: %w", err)
	}
	defer rows.Close()
	var out []kakehashi.ScreeningEntry
	for rows.Next() {
		var e kakehashi.ScreeningEntry
		var aliases, programs, addresses string
		if err := rows.Scan(&e.ID, &e.Source, &e.Type, &e.Name, &aliases, &e.Country, &programs, &addresses); err != nil {
			return nil, err
		}
		for _, f := range []struct {
			text string
			dst  *[]string
		}{{aliases, &e.Aliases}, {programs, &e.Programs}, {addresses, &e.Addresses}} {
			if err := json.Unmarshal([]byte(f.text), f.dst); err != nil {
				return nil, fmt.Errorf("entry %s: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

const resultColumns = `id, org_id, list_version, status, hits, screened_at, decision, decision_reason, COALESCE(decided_by, 0), decided_at`

func scanResult(s scanner) (*kakehashi.ScreeningResult, error) {
	var r kakehashi.ScreeningResult
	var hits string
	var decided sql.NullTime
	if err := s.Scan(&r.ID, &r.OrgID, &r.ListVersion, &r.Status, &hits, &r.ScreenedAt, &r.Decision, &r.DecisionReason, &r.DecidedBy, &decided); err != nil {
		return nil, err
	}
	r.Hits = json.RawMessage(hits)
	r.ScreenedAt = r.ScreenedAt.UTC()
	if decided.Valid {
		t := decided.Time.UTC()
		r.DecidedAt = &t
	}
	return &r, nil
}

// LatestScreening returns an organization's newest screening result, or
// nil if it was never screened.
func (db *DB) LatestScreening(ctx context.Context, orgID int64) (*kakehashi.ScreeningResult, error) {
	return latestScreeningTx(ctx, db.db, orgID, "")
}

// latestScreeningTx reads organization orgID's newest screening through q,
// with lock appended to the query (db.forUpdate() or ""); nil if none.
func latestScreeningTx(ctx context.Context, q rowQuerier, orgID int64, lock string) (*kakehashi.ScreeningResult, error) {
	r, err := scanResult(q.QueryRowContext(ctx, `SELECT `+resultColumns+` FROM screening_results WHERE org_id = $1 ORDER BY id DESC LIMIT 1`+lock, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read screening of organization %d: %w", orgID, err)
	}
	return r, nil
}

// ScreeningHistory returns an organization's screening results, newest first.
func (db *DB) ScreeningHistory(ctx context.Context, orgID int64) ([]*kakehashi.ScreeningResult, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+resultColumns+` FROM screening_results WHERE org_id = $1 ORDER BY id DESC LIMIT 100`, orgID)
	if err != nil {
		return nil, fmt.Errorf("read screenings: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.ScreeningResult{}
	for rows.Next() {
		r, err := scanResult(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveScreening stores a new screening result. A potential match that a
// reviewer already decided keeps the decision when the same entries are
// found again, so that a reload of an unchanged list does not re-open
// settled cases. A clear result releases the organization's introductions
// held for screening; a flagged one holds its open interests that the gate
// holds (kakehashi.GateHold).
func (db *DB) SaveScreening(ctx context.Context, r *kakehashi.ScreeningResult, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		return db.saveScreeningTx(ctx, tx, r, actor)
	})
}

func (db *DB) saveScreeningTx(ctx context.Context, tx *sql.Tx, r *kakehashi.ScreeningResult, actor *kakehashi.User) error {
	r.ScreenedAt = db.now()
	prev, err := latestScreeningTx(ctx, tx, r.OrgID, db.forUpdate())
	if err != nil {
		return err
	}
	if prev != nil && prev.Status == r.Status && sameHitIDs(prev.Hits, r.Hits) && prev.Decision != kakehashi.DecisionNone {
		r.Decision, r.DecisionReason, r.DecidedBy, r.DecidedAt = prev.Decision, prev.DecisionReason, prev.DecidedBy, prev.DecidedAt
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO screening_results (org_id, list_version, status, hits, screened_at, decision, decision_reason, decided_by, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		r.OrgID, r.ListVersion, string(r.Status), string(r.Hits), r.ScreenedAt, string(r.Decision), r.DecisionReason, nullID(r.DecidedBy), nullTime(r.DecidedAt)).Scan(&r.ID); err != nil {
		return fmt.Errorf("store screening: %w", mapError(err))
	}
	if r.Clear() {
		if _, err := tx.ExecContext(ctx, `UPDATE introductions SET hold = '' WHERE requester_org_id = $1 AND hold = $2`, r.OrgID, kakehashi.HoldScreening); err != nil {
			return err
		}
	} else if err := db.holdFlagged(ctx, tx, r.OrgID, r, actor); err != nil {
		return err
	}
	return db.audit(ctx, tx, actor, "screening.run", "organization", r.OrgID, map[string]any{"status": r.Status, "list_version": r.ListVersion})
}

// sameHitIDs reports whether two hit lists name the same entries.
func sameHitIDs(a, b json.RawMessage) bool {
	ids := func(raw json.RawMessage) []string {
		var hits []struct {
			Entry struct {
				ID string `json:"id"`
			} `json:"entry"`
		}
		json.Unmarshal(raw, &hits)
		var out []string
		for _, h := range hits {
			out = append(out, h.Entry.ID)
		}
		return out
	}
	x, y := ids(a), ids(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// DecideScreening records a reviewer's decision on an organization's newest
// screening. Cleared releases its introductions held for screening.
func (db *DB) DecideScreening(ctx context.Context, orgID int64, d kakehashi.ScreeningDecision, reason string, actor *kakehashi.User) (*kakehashi.ScreeningResult, error) {
	if err := kakehashi.ValidateDecision(d, reason); err != nil {
		return nil, err
	}
	var out *kakehashi.ScreeningResult
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		r, err := scanResult(tx.QueryRowContext(ctx, `SELECT `+resultColumns+` FROM screening_results WHERE org_id = $1 ORDER BY id DESC LIMIT 1`+db.forUpdate(), orgID))
		if errors.Is(err, sql.ErrNoRows) {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "organization %d has not been screened", orgID)
		}
		if err != nil {
			return err
		}
		if r.Status == kakehashi.ScreeningClear {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "the newest screening of organization %d found nothing to decide", orgID)
		}
		now := db.now()
		r.Decision, r.DecisionReason, r.DecidedBy, r.DecidedAt = d, strings.TrimSpace(reason), actor.ID, &now
		if _, err := tx.ExecContext(ctx, `UPDATE screening_results SET decision = $1, decision_reason = $2, decided_by = $3, decided_at = $4 WHERE id = $5`,
			string(d), r.DecisionReason, nullID(actor.ID), now, r.ID); err != nil {
			return fmt.Errorf("record decision: %w", err)
		}
		if d == kakehashi.DecisionCleared {
			if _, err := tx.ExecContext(ctx, `UPDATE introductions SET hold = '' WHERE requester_org_id = $1 AND hold = $2`, orgID, kakehashi.HoldScreening); err != nil {
				return err
			}
		} else if err := db.holdFlagged(ctx, tx, orgID, r, actor); err != nil {
			return err
		}
		out = r
		return db.audit(ctx, tx, actor, "screening.decide", "organization", orgID, map[string]any{"decision": d, "reason": r.DecisionReason, "result_id": r.ID})
	})
	return out, err
}

// HoldIntroduction puts an open introduction that has not been accepted on
// hold.
func (db *DB) HoldIntroduction(ctx context.Context, id int64, hold string, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		return db.holdTx(ctx, tx, id, hold, actor)
	})
}
