package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/kakehashi/kakehashi"
)

var _ kakehashi.CallService = (*DB)(nil)

const callColumns = `c.id, c.org_id, c.listing_id, c.theme, c.background, c.language, c.deadline, c.time_zone, c.budget, c.currency,
	c.eligible_kinds, c.eligible_countries, c.trl_min, c.trl_max, c.criteria, c.ip_terms, COALESCE(c.created_by, 0), c.created_at, c.updated_at`

func scanCall(s scanner) (*kakehashi.Call, error) {
	var c kakehashi.Call
	var kinds, countries, criteria string
	if err := s.Scan(&c.ID, &c.OrgID, &c.ListingID, &c.Theme, &c.Background, &c.Language, &c.Deadline, &c.TimeZone, &c.Budget, &c.Currency,
		&kinds, &countries, &c.TRLMin, &c.TRLMax, &criteria, &c.IPTerms, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		text string
		dst  any
	}{{kinds, &c.EligibleKinds}, {countries, &c.EligibleCountries}, {criteria, &c.Criteria}} {
		if err := json.Unmarshal([]byte(f.text), f.dst); err != nil {
			return nil, fmt.Errorf("call %d: decode stored list: %w", c.ID, err)
		}
	}
	c.Deadline, c.CreatedAt, c.UpdatedAt = c.Deadline.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// Call returns the call with the given id.
func (db *DB) Call(ctx context.Context, id int64) (*kakehashi.Call, error) {
	return db.callTx(ctx, db.db, id, "")
}

// rowQuerier is what a read of calls needs: the database or a transaction.
type rowQuerier interface {
	querier
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) callTx(ctx context.Context, q rowQuerier, id int64, lock string) (*kakehashi.Call, error) {
	c, err := scanCall(q.QueryRowContext(ctx, `SELECT `+callColumns+` FROM calls c WHERE c.id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("call", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read call %d: %w", id, err)
	}
	return c, nil
}

// Calls lists calls in id order.
func (db *DB) Calls(ctx context.Context, f kakehashi.CallFilter) ([]*kakehashi.Call, error) {
	q := newQuery(`SELECT `+callColumns+` FROM calls c WHERE c.id > $1`, f.After)
	if f.OrgID != 0 {
		q.where("c.org_id = ?", f.OrgID)
	}
	if !f.OpenAt.IsZero() {
		q.where("c.deadline >= ?", f.OpenAt.UTC())
	}
	q.sql += fmt.Sprintf(" ORDER BY c.id LIMIT %d", limit(f.Limit))
	return list(ctx, db, q, "calls", scanCall)
}

// CreateCall validates c and stores it with the need listing that
// publishes it, in one transaction.
func (db *DB) CreateCall(ctx context.Context, c *kakehashi.Call, actor *kakehashi.User) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	if !kakehashi.CanCreateCallFor(actor, c.OrgID) {
		return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only members of organization %d and coordinators put out its calls", c.OrgID)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		l := c.Listing()
		l.Normalize()
		if err := l.Validate(); err != nil {
			return fmt.Errorf("the call's listing: %w", err)
		}
		if err := db.insertListing(ctx, tx, l, actor); err != nil {
			return err
		}
		now := db.now()
		c.ListingID, c.CreatedAt, c.UpdatedAt = l.ID, now, now
		if actor != nil {
			c.CreatedBy = actor.ID
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO calls (org_id, listing_id, theme, background, language, deadline, time_zone, budget, currency,
			eligible_kinds, eligible_countries, trl_min, trl_max, criteria, ip_terms, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
			c.OrgID, c.ListingID, c.Theme, c.Background, c.Language, c.Deadline, c.TimeZone, c.Budget, c.Currency,
			jsonText(c.EligibleKinds), jsonText(c.EligibleCountries), c.TRLMin, c.TRLMax, jsonText(c.Criteria), c.IPTerms,
			nullID(c.CreatedBy), now, now).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("create call: %w", mapError(err))
		}
		return db.audit(ctx, tx, actor, "call.create", "call", c.ID, map[string]any{"theme": c.Theme, "listing_id": c.ListingID})
	})
}

// UpdateCall replaces call c.ID's content and republishes its listing. The
// organization, listing and creator stay as stored; the criteria cannot
// change once a proposal has been scored, since the scores refer to them.
func (db *DB) UpdateCall(ctx context.Context, c *kakehashi.Call, actor *kakehashi.User) error {
	c.Normalize()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := db.callTx(ctx, tx, c.ID, db.forUpdate())
		if err != nil {
			return err
		}
		if !kakehashi.CanManageCall(actor, stored) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the call's organization and coordinators change it")
		}
		c.OrgID, c.ListingID, c.CreatedBy, c.CreatedAt = stored.OrgID, stored.ListingID, stored.CreatedBy, stored.CreatedAt
		if err := c.Validate(); err != nil {
			return err
		}
		if !slices.Equal(c.Criteria, stored.Criteria) {
			var scored int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM proposal_reviews r JOIN proposals p ON p.id = r.proposal_id WHERE p.call_id = $1`,
				c.ID).Scan(&scored); err != nil {
				return fmt.Errorf("count reviews: %w", err)
			}
			if scored > 0 {
				return &kakehashi.Error{Code: kakehashi.ECONFLICT, Message: "proposals have been scored against the criteria: they can no longer change",
					Fields: []kakehashi.FieldError{{Field: "criteria", Message: "fixed once reviews exist"}}}
			}
		}
		now := db.now()
		c.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, `UPDATE calls SET theme = $1, background = $2, language = $3, deadline = $4, time_zone = $5, budget = $6,
			currency = $7, eligible_kinds = $8, eligible_countries = $9, trl_min = $10, trl_max = $11, criteria = $12, ip_terms = $13, updated_at = $14
			WHERE id = $15`, c.Theme, c.Background, c.Language, c.Deadline, c.TimeZone, c.Budget, c.Currency, jsonText(c.EligibleKinds),
			jsonText(c.EligibleCountries), c.TRLMin, c.TRLMax, jsonText(c.Criteria), c.IPTerms, now, c.ID); err != nil {
			return fmt.Errorf("update call %d: %w", c.ID, mapError(err))
		}
		old, err := scanListing(tx.QueryRowContext(ctx, `SELECT `+listingColumns+` FROM listings l WHERE l.id = $1`, c.ListingID))
		if err != nil {
			return fmt.Errorf("read call listing %d: %w", c.ListingID, err)
		}
		l := c.Listing()
		l.Status, l.Visibility, l.ExternalID = old.Status, old.Visibility, old.ExternalID
		l.Normalize()
		if err := l.Validate(); err != nil {
			return fmt.Errorf("the call's listing: %w", err)
		}
		if _, err := db.updateListing(ctx, tx, l, actor); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "call.update", "call", c.ID, map[string]any{"theme": c.Theme})
	})
}

// CallStats counts a call's submitted proposals by the proposing
// organization's country and kind, and by status.
func (db *DB) CallStats(ctx context.Context, callID int64) (*kakehashi.CallStats, error) {
	if _, err := db.Call(ctx, callID); err != nil {
		return nil, err
	}
	rows, err := db.db.QueryContext(ctx, `SELECT o.country, o.kind, p.status, COUNT(*) FROM proposals p JOIN organizations o ON o.id = p.org_id
		WHERE p.call_id = $1 AND p.status <> 'draft' GROUP BY o.country, o.kind, p.status`, callID)
	if err != nil {
		return nil, fmt.Errorf("count proposals: %w", err)
	}
	defer rows.Close()
	s := &kakehashi.CallStats{ByCountry: map[string]int{}, ByKind: map[string]int{}, ByStatus: map[string]int{}}
	for rows.Next() {
		var country, kind, status string
		var n int
		if err := rows.Scan(&country, &kind, &status, &n); err != nil {
			return nil, err
		}
		s.Proposals += n
		s.ByCountry[country] += n
		s.ByKind[kind] += n
		s.ByStatus[status] += n
	}
	return s, rows.Err()
}
