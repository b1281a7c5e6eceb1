package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kakehashi/kakehashi"
)

// CreateAlert saves an alert of actor on a need actor may see. Alerts start
// after the newest listing, so only seeds published later are announced.
func (db *DB) CreateAlert(ctx context.Context, a *kakehashi.Alert, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		l, err := scanListing(tx.QueryRowContext(ctx, `SELECT `+listingColumns+` FROM listings l WHERE l.id = $1`, a.ListingID))
		if errors.Is(err, sql.ErrNoRows) || err == nil && !kakehashi.CanSeeListing(actor, l) {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid alert",
				Fields: []kakehashi.FieldError{{Field: "listing_id", Message: "must be a need you may see"}}}
		}
		if err != nil {
			return fmt.Errorf("read listing %d: %w", a.ListingID, err)
		}
		if l.Side != kakehashi.SideNeed {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid alert",
				Fields: []kakehashi.FieldError{{Field: "listing_id", Message: "must be a need: alerts announce the seeds that match it"}}}
		}
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM listings`).Scan(&a.LastSeq); err != nil {
			return err
		}
		a.UserID, a.CreatedAt = actor.ID, db.now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO alerts (user_id, listing_id, last_seq, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			a.UserID, a.ListingID, a.LastSeq, a.CreatedAt).Scan(&a.ID); err != nil {
			return fmt.Errorf("create alert: %w", mapError(err))
		}
		return db.audit(ctx, tx, actor, "alert.create", "alert", a.ID, map[string]any{"listing_id": a.ListingID})
	})
}

// Alerts lists a user's alerts (userID 0: everyone's), oldest first.
func (db *DB) Alerts(ctx context.Context, userID int64) ([]*kakehashi.Alert, error) {
	q := newQuery(`SELECT id, user_id, listing_id, last_seq, created_at FROM alerts WHERE 1 = 1`)
	if userID != 0 {
		q.where("user_id = ?", userID)
	}
	rows, err := db.db.QueryContext(ctx, q.sql+` ORDER BY id`, q.args...)
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Alert{}
	for rows.Next() {
		var a kakehashi.Alert
		if err := rows.Scan(&a.ID, &a.UserID, &a.ListingID, &a.LastSeq, &a.CreatedAt); err != nil {
			return nil, err
		}
		a.CreatedAt = a.CreatedAt.UTC()
		out = append(out, &a)
	}
	return out, rows.Err()
}

// DeleteAlert removes one of actor's alerts; another user's is not found.
func (db *DB) DeleteAlert(ctx context.Context, id int64, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM alerts WHERE id = $1 AND user_id = $2`, id, actor.ID)
		if err != nil {
			return fmt.Errorf("delete alert %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("alert", id)
		}
		return db.audit(ctx, tx, actor, "alert.delete", "alert", id, nil)
	})
}

// CheckAlerts announces, for every alert, the seeds published since its
// last check that m finds matching its need, to the alert's user (in the
// inbox and by e-mail, through the outbox), and advances the alert so that
// no seed is announced twice. It considers the listings created before
// before, which should leave the search index time to have them: a seed
// passed over is never looked at again. It returns how many seeds it
// announced.
func (db *DB) CheckAlerts(ctx context.Context, m kakehashi.AlertMatcher, before time.Time) (int, error) {
	alerts, err := db.Alerts(ctx, 0)
	if err != nil {
		return 0, err
	}
	var maxID int64
	if err := db.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM listings WHERE created_at < $1`, before.UTC()).Scan(&maxID); err != nil {
		return 0, fmt.Errorf("read newest listing: %w", err)
	}
	n := 0
	for _, a := range alerts {
		if a.LastSeq >= maxID {
			continue
		}
		u, err := db.User(ctx, a.UserID)
		if err != nil {
			return n, err
		}
		// The need is ranked as its alert's owner may see it, which for a
		// confidential need depends on the introductions accepted with them.
		if u.Revealed, err = db.revealedListings(ctx, u); err != nil {
			return n, err
		}
		need, err := db.Listing(ctx, a.ListingID)
		if err != nil {
			return n, err
		}
		var fresh []int64
		if !u.Disabled && kakehashi.CanSeeListing(u, need) {
			ids, err := m.MatchingSeeds(ctx, need, u)
			if err != nil {
				return n, fmt.Errorf("match alert %d: %w", a.ID, err)
			}
			for _, id := range ids {
				if id > a.LastSeq && id <= maxID {
					fresh = append(fresh, id)
				}
			}
		}
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			// Advance only from the value read: a concurrent checker that
			// got here first wins, and this one announces nothing.
			res, err := tx.ExecContext(ctx, `UPDATE alerts SET last_seq = $1 WHERE id = $2 AND last_seq = $3`, maxID, a.ID, a.LastSeq)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				fresh = nil
				return nil
			}
			now := db.now()
			for _, id := range fresh {
				var title string
				if err := tx.QueryRowContext(ctx, `SELECT title FROM listings WHERE id = $1`, id).Scan(&title); err != nil {
					return err
				}
				subject := fmt.Sprintf("New seed for your need %q: %s", need.Title, title)
				if err := db.notify(ctx, tx, u.ID, "alert", subject, "/listings/"+strconv.FormatInt(id, 10), now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, fmt.Errorf("check alert %d: %w", a.ID, err)
		}
		n += len(fresh)
	}
	return n, nil
}
