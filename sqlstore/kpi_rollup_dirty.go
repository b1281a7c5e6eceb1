package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kakehashi/kakehashi"
)

// markKPIMonths marks the months of times dirty within tx.
func (db *DB) markKPIMonths(ctx context.Context, tx *sql.Tx, times ...time.Time) error {
	var seen []string
	for _, t := range times {
		m := kpiMonth(t)
		if slices.Contains(seen, m) {
			continue
		}
		seen = append(seen, m)
		if _, err := tx.ExecContext(ctx, `INSERT INTO kpi_dirty (month) VALUES ($1)`, m); err != nil {
			return fmt.Errorf("mark KPI month %s: %w", m, err)
		}
	}
	return nil
}

// markKPIRange marks every month from the one of from to the one of to.
func (db *DB) markKPIRange(ctx context.Context, tx *sql.Tx, from, to time.Time) error {
	var times []time.Time
	for m := monthStart(from); !m.After(to); m = m.AddDate(0, 1, 0) {
		times = append(times, m)
	}
	return db.markKPIMonths(ctx, tx, times...)
}

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// kpiIntroChanged marks the months an introduction's stage change at at
// affects: its own and the one the introduction was created in (funnel and
// response time count by creation).
func (db *DB) kpiIntroChanged(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	var created time.Time
	if err := tx.QueryRowContext(ctx, `SELECT created_at FROM introductions WHERE id = $1`, id).Scan(&created); err != nil {
		return fmt.Errorf("mark KPI months of introduction %d: %w", id, err)
	}
	// The listing's fields, for counting stalled introductions by field.
	if _, err := tx.ExecContext(ctx, `UPDATE introductions SET listing_fields = (SELECT l.fields FROM listings l WHERE l.id = introductions.listing_id)
		WHERE id = $1`, id); err != nil {
		return fmt.Errorf("copy listing fields to introduction %d: %w", id, err)
	}
	return db.markKPIMonths(ctx, tx, at, created)
}

// kpiListingChanging is called before listing l is overwritten: when its
// organization, a category the dashboard breaks down by, or what the fact
// books count it by (side, status, visibility) changes, it marks the
// listing's month and those of its pipeline, which all lie between its
// first introduction and now.
func (db *DB) kpiListingChanging(ctx context.Context, tx *sql.Tx, l *kakehashi.Listing) error {
	var org int64
	var fields, sectors, partners, side, status, visibility string
	var created time.Time
	err := tx.QueryRowContext(ctx, `SELECT org_id, fields, sectors, partnership_types, side, status, visibility, created_at FROM listings WHERE id = $1`, l.ID).
		Scan(&org, &fields, &sectors, &partners, &side, &status, &visibility, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the update reports it
	}
	if err != nil {
		return fmt.Errorf("mark KPI months of listing %d: %w", l.ID, err)
	}
	if org == l.OrgID && fields == jsonText(l.Fields) && sectors == jsonText(l.Sectors) && partners == jsonText(l.PartnershipTypes) &&
		side == string(l.Side) && status == string(l.Status) && visibility == string(l.Visibility) {
		return nil
	}
	if err := db.markKPIMonths(ctx, tx, created); err != nil {
		return err
	}
	if fields != jsonText(l.Fields) {
		if _, err := tx.ExecContext(ctx, `UPDATE introductions SET listing_fields = $1 WHERE listing_id = $2`, jsonText(l.Fields), l.ID); err != nil {
			return fmt.Errorf("copy listing fields of listing %d: %w", l.ID, err)
		}
	}
	var first []time.Time
	rows, err := tx.QueryContext(ctx, `SELECT created_at FROM introductions WHERE listing_id = $1 ORDER BY created_at LIMIT 1`, l.ID)
	if err != nil {
		return fmt.Errorf("mark KPI months of listing %d: %w", l.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return err
		}
		first = append(first, t)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if len(first) == 0 {
		return nil
	}
	return db.markKPIRange(ctx, tx, first[0], db.now())
}

// kpiOrgChanging is called before organization o is overwritten: when its
// country, region or kind changes, every month from its first listing to
// now is marked.
func (db *DB) kpiOrgChanging(ctx context.Context, tx *sql.Tx, o *kakehashi.Organization) error {
	var kind, country, region string
	err := tx.QueryRowContext(ctx, `SELECT kind, country, region FROM organizations WHERE id = $1`, o.ID).Scan(&kind, &country, &region)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the update reports it
	}
	if err != nil {
		return fmt.Errorf("mark KPI months of organization %d: %w", o.ID, err)
	}
	if kind == string(o.Kind) && country == o.Country && region == o.Region {
		return nil
	}
	first, ok, err := firstTime(ctx, tx, `SELECT created_at FROM listings WHERE org_id = $1 ORDER BY created_at LIMIT 1`, o.ID)
	if err != nil || !ok {
		return err
	}
	return db.markKPIRange(ctx, tx, first, db.now())
}

// firstTime runs q, which selects one timestamp column, and returns its
// first row. (MIN() would lose the column type on SQLite.)
func firstTime(ctx context.Context, qr rowQuerier, q string, args ...any) (time.Time, bool, error) {
	var t time.Time
	err := qr.QueryRowContext(ctx, q, args...).Scan(&t)
	if errors.Is(err, sql.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("kpi months: %w", err)
	}
	return t.UTC(), true, nil
}
