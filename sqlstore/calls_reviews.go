package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kakehashi/kakehashi"
)

func (db *DB) reviewersTx(ctx context.Context, q querier, proposalID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id FROM proposal_reviewers WHERE proposal_id = $1 ORDER BY user_id`, proposalID)
	if err != nil {
		return nil, fmt.Errorf("read reviewers: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// Reviewers returns the ids of a proposal's assigned reviewers.
func (db *DB) Reviewers(ctx context.Context, proposalID int64) ([]int64, error) {
	return db.reviewersTx(ctx, db.db, proposalID)
}

// AssignReviewer makes user userID a reviewer of a submitted, undecided
// proposal and tells them. Members of the proposing organization may not
// review it.
func (db *DB) AssignReviewer(ctx context.Context, proposalID, userID int64, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		c, p, reviewers, err := db.ownedProposal(ctx, tx, proposalID, actor)
		if err != nil {
			return err
		}
		if p.Status == kakehashi.ProposalDraft || p.Status.Decided() {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "reviewers are assigned to submitted proposals before the decision; this one is %s", p.Status)
		}
		var org sql.NullInt64
		var disabled bool
		err = tx.QueryRowContext(ctx, `SELECT org_id, disabled FROM users WHERE id = $1`, userID).Scan(&org, &disabled)
		if errors.Is(err, sql.ErrNoRows) || err == nil && disabled {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid assignment",
				Fields: []kakehashi.FieldError{{Field: "user_id", Message: "must be an active user"}}}
		}
		if err != nil {
			return fmt.Errorf("read user %d: %w", userID, err)
		}
		if org.Valid && org.Int64 == p.OrgID {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid assignment",
				Fields: []kakehashi.FieldError{{Field: "user_id", Message: "belongs to the proposing organization"}}}
		}
		if slices.Contains(reviewers, userID) {
			return nil
		}
		now := db.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO proposal_reviewers (proposal_id, user_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4)`,
			proposalID, userID, nullID(actor.ID), now); err != nil {
			return fmt.Errorf("assign reviewer: %w", mapError(err))
		}
		if err := db.notify(ctx, tx, userID, "reviewer", fmt.Sprintf("Please review proposal %d to the call %q", proposalID, c.Theme), proposalLink(proposalID), now); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "proposal.assign_reviewer", "proposal", proposalID, map[string]any{"user_id": userID})
	})
}

// PutReview stores actor's scores of a proposal at the review or finalist
// stage, replacing their earlier ones. Only assigned reviewers score.
func (db *DB) PutReview(ctx context.Context, r *kakehashi.Review, actor *kakehashi.User) error {
	for i := range r.Scores {
		r.Scores[i].Criterion = strings.TrimSpace(r.Scores[i].Criterion)
		r.Scores[i].Comment = strings.TrimSpace(r.Scores[i].Comment)
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		p, err := db.proposalTx(ctx, tx, r.ProposalID, db.forUpdate())
		if err != nil {
			return err
		}
		c, err := db.callTx(ctx, tx, p.CallID, "")
		if err != nil {
			return err
		}
		reviewers, err := db.reviewersTx(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		if !kakehashi.CanSeeProposal(actor, c, p, reviewers) {
			return notFound("proposal", p.ID)
		}
		if !slices.Contains(reviewers, actor.ID) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the proposal's assigned reviewers score it")
		}
		if p.Status != kakehashi.ProposalReview && p.Status != kakehashi.ProposalFinalist {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "proposals are scored at the review and finalist stages; this one is %s", p.Status)
		}
		if err := r.CheckAgainst(c); err != nil {
			return err
		}
		now := db.now()
		r.ReviewerID, r.UpdatedAt = actor.ID, now
		err = tx.QueryRowContext(ctx, `INSERT INTO proposal_reviews (proposal_id, reviewer_id, scores, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (proposal_id, reviewer_id) DO UPDATE SET scores = excluded.scores, updated_at = excluded.updated_at
			RETURNING id, created_at`, r.ProposalID, r.ReviewerID, jsonText(r.Scores), now).Scan(&r.ID, &r.CreatedAt)
		if err != nil {
			return fmt.Errorf("store review: %w", mapError(err))
		}
		r.CreatedAt = r.CreatedAt.UTC()
		return db.audit(ctx, tx, actor, "proposal.review", "proposal", p.ID, map[string]any{"review_id": r.ID})
	})
}

// Reviews returns a proposal's reviews in id order.
func (db *DB) Reviews(ctx context.Context, proposalID int64) ([]*kakehashi.Review, error) {
	return db.reviews(ctx, `WHERE r.proposal_id = $1`, proposalID)
}

func (db *DB) reviews(ctx context.Context, where string, args ...any) ([]*kakehashi.Review, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT r.id, r.proposal_id, r.reviewer_id, r.scores, r.created_at, r.updated_at FROM proposal_reviews r `+
		where+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read reviews: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Review{}
	for rows.Next() {
		var r kakehashi.Review
		var scores string
		if err := rows.Scan(&r.ID, &r.ProposalID, &r.ReviewerID, &scores, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(scores), &r.Scores); err != nil {
			return nil, fmt.Errorf("review %d: decode scores: %w", r.ID, err)
		}
		r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
		out = append(out, &r)
	}
	return out, rows.Err()
}

// Ranking returns a call's submitted proposals ranked by weighted score.
func (db *DB) Ranking(ctx context.Context, callID int64) ([]kakehashi.Ranked, error) {
	c, err := db.Call(ctx, callID)
	if err != nil {
		return nil, err
	}
	ps, err := db.listProposals(ctx, db.db, `SELECT `+proposalColumns+` FROM proposals p WHERE p.call_id = $1 AND p.status <> 'draft' ORDER BY p.id`, callID)
	if err != nil {
		return nil, err
	}
	rs, err := db.reviews(ctx, `JOIN proposals p ON p.id = r.proposal_id WHERE p.call_id = $1`, callID)
	if err != nil {
		return nil, err
	}
	return kakehashi.Rank(c, ps, rs), nil
}
