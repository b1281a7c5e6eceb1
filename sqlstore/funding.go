package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kakehashi/kakehashi"
)

var _ kakehashi.FundingService = (*DB)(nil)

const fundingColumns = `f.id, f.org_id, f.programme, f.programme_ja, f.description, f.eligible_kinds, f.eligible_countries, f.amount_min, f.amount_max,
	f.currency, f.deadline, f.matching_required, f.fields, f.keywords, COALESCE(f.created_by, 0), f.created_at, f.updated_at`

func scanFunding(s scanner) (*kakehashi.FundingCall, error) {
	var f kakehashi.FundingCall
	var kinds, countries, fields, keywords string
	if err := s.Scan(&f.ID, &f.OrgID, &f.Programme, &f.ProgrammeJA, &f.Description, &kinds, &countries, &f.AmountMin, &f.AmountMax,
		&f.Currency, &f.Deadline, &f.MatchingRequired, &fields, &keywords, &f.CreatedBy, &f.CreatedAt, &f.UpdatedAt); err != nil {
		return nil, err
	}
	for _, x := range []struct {
		text string
		dst  any
	}{{kinds, &f.EligibleKinds}, {countries, &f.EligibleCountries}, {fields, &f.Fields}, {keywords, &f.Keywords}} {
		if err := json.Unmarshal([]byte(x.text), x.dst); err != nil {
			return nil, fmt.Errorf("funding call %d: decode stored list: %w", f.ID, err)
		}
	}
	f.Deadline, f.CreatedAt, f.UpdatedAt = f.Deadline.UTC(), f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return &f, nil
}

// FundingCall returns the funding call with the given id.
func (db *DB) FundingCall(ctx context.Context, id int64) (*kakehashi.FundingCall, error) {
	return db.fundingTx(ctx, db.db, id, "")
}

func (db *DB) fundingTx(ctx context.Context, q rowQuerier, id int64, lock string) (*kakehashi.FundingCall, error) {
	f, err := scanFunding(q.QueryRowContext(ctx, `SELECT `+fundingColumns+` FROM funding_calls f WHERE f.id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("funding call", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read funding call %d: %w", id, err)
	}
	return f, nil
}

// FundingCalls lists funding calls in id order.
func (db *DB) FundingCalls(ctx context.Context, f kakehashi.FundingCallFilter) ([]*kakehashi.FundingCall, error) {
	q := newQuery(`SELECT `+fundingColumns+` FROM funding_calls f WHERE f.id > $1`, f.After)
	if f.OrgID != 0 {
		q.where("f.org_id = ?", f.OrgID)
	}
	if !f.OpenAt.IsZero() {
		q.where("f.deadline >= ?", f.OpenAt.UTC())
	}
	q.sql += fmt.Sprintf(" ORDER BY f.id LIMIT %d", limit(f.Limit))
	return list(ctx, db, q, "funding calls", scanFunding)
}

// checkFunder requires organization orgID to exist and be a funder or a
// government body.
func (db *DB) checkFunder(ctx context.Context, tx *sql.Tx, orgID int64) error {
	o, err := db.orgTx(ctx, tx, orgID)
	if kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND {
		return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid funding call",
			Fields: []kakehashi.FieldError{{Field: "org_id", Message: fmt.Sprintf("organization %d does not exist", orgID)}}}
	}
	if err != nil {
		return err
	}
	if !slices.Contains(kakehashi.FunderKinds, o.Kind) {
		return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid funding call",
			Fields: []kakehashi.FieldError{{Field: "org_id", Message: fmt.Sprintf("organization %d is a %s: funding calls are published by funders and government bodies", orgID, o.Kind)}}}
	}
	return nil
}

// CreateFundingCall validates f and stores it, for the funder's admins and
// platform staff.
func (db *DB) CreateFundingCall(ctx context.Context, f *kakehashi.FundingCall, actor *kakehashi.User) error {
	f.Normalize()
	if err := f.Validate(); err != nil {
		return err
	}
	if !kakehashi.CanManageFundingCallsOf(actor, f.OrgID) {
		return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only admins of organization %d and platform staff publish its funding calls", f.OrgID)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.checkFunder(ctx, tx, f.OrgID); err != nil {
			return err
		}
		now := db.now()
		f.CreatedAt, f.UpdatedAt = now, now
		f.CreatedBy = actorID(actor)
		if err := tx.QueryRowContext(ctx, `INSERT INTO funding_calls (org_id, programme, programme_ja, description, eligible_kinds, eligible_countries,
			amount_min, amount_max, currency, deadline, matching_required, fields, keywords, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
			f.OrgID, f.Programme, f.ProgrammeJA, f.Description, jsonText(f.EligibleKinds), jsonText(f.EligibleCountries), f.AmountMin, f.AmountMax,
			f.Currency, f.Deadline, f.MatchingRequired, jsonText(f.Fields), jsonText(f.Keywords), nullID(f.CreatedBy), now, now).Scan(&f.ID); err != nil {
			return fmt.Errorf("create funding call: %w", mapError(err))
		}
		return db.audit(ctx, tx, actor, "funding.create", "funding_call", f.ID, map[string]any{"programme": f.Programme})
	})
}

// UpdateFundingCall replaces funding call f.ID's content; its funder and
// creator stay.
func (db *DB) UpdateFundingCall(ctx context.Context, f *kakehashi.FundingCall, actor *kakehashi.User) error {
	f.Normalize()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := db.fundingTx(ctx, tx, f.ID, db.forUpdate())
		if err != nil {
			return err
		}
		if !kakehashi.CanManageFundingCallsOf(actor, stored.OrgID) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the funder's admins and platform staff change its funding calls")
		}
		f.OrgID, f.CreatedBy, f.CreatedAt = stored.OrgID, stored.CreatedBy, stored.CreatedAt
		if err := f.Validate(); err != nil {
			return err
		}
		now := db.now()
		f.UpdatedAt = now
		if _, err := tx.ExecContext(ctx, `UPDATE funding_calls SET programme = $1, programme_ja = $2, description = $3, eligible_kinds = $4,
			eligible_countries = $5, amount_min = $6, amount_max = $7, currency = $8, deadline = $9, matching_required = $10, fields = $11,
			keywords = $12, updated_at = $13 WHERE id = $14`, f.Programme, f.ProgrammeJA, f.Description, jsonText(f.EligibleKinds),
			jsonText(f.EligibleCountries), f.AmountMin, f.AmountMax, f.Currency, f.Deadline, f.MatchingRequired, jsonText(f.Fields),
			jsonText(f.Keywords), now, f.ID); err != nil {
			return fmt.Errorf("update funding call %d: %w", f.ID, mapError(err))
		}
		return db.audit(ctx, tx, actor, "funding.update", "funding_call", f.ID, map[string]any{"programme": f.Programme})
	})
}

// DeleteFundingCall removes a funding call, for the funder's admins and
// platform staff.
func (db *DB) DeleteFundingCall(ctx context.Context, id int64, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		stored, err := db.fundingTx(ctx, tx, id, db.forUpdate())
		if err != nil {
			return err
		}
		if !kakehashi.CanManageFundingCallsOf(actor, stored.OrgID) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the funder's admins and platform staff withdraw its funding calls")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM funding_calls WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete funding call %d: %w", id, err)
		}
		return db.audit(ctx, tx, actor, "funding.delete", "funding_call", id, map[string]any{"programme": stored.Programme})
	})
}

// FundingFits returns the open funding calls that fit target at now, best
// first (kakehashi.MatchFunding over every call still open).
func (db *DB) FundingFits(ctx context.Context, target kakehashi.FundingTarget, now time.Time, n int) ([]kakehashi.FundingMatch, error) {
	calls, err := db.FundingCalls(ctx, kakehashi.FundingCallFilter{OpenAt: now, Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := kakehashi.MatchFunding(calls, target, now, n)
	if out == nil {
		out = []kakehashi.FundingMatch{}
	}
	return out, nil
}
