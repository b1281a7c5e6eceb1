package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

const proposalColumns = `p.id, p.call_id, p.org_id, p.proposer_id, p.summary, p.approach, p.trl, p.team, p.related_listings, p.budget_requested,
	p.status, p.feedback, COALESCE(p.introduction_id, 0), p.submitted_at, p.decided_at, p.created_at, p.updated_at`

func scanProposal(s scanner) (*kakehashi.Proposal, error) {
	var p kakehashi.Proposal
	var related string
	var submitted, decided sql.NullTime
	if err := s.Scan(&p.ID, &p.CallID, &p.OrgID, &p.ProposerID, &p.Summary, &p.Approach, &p.TRL, &p.Team, &related, &p.BudgetRequested,
		&p.Status, &p.Feedback, &p.IntroductionID, &submitted, &decided, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(related), &p.RelatedListings); err != nil {
		return nil, fmt.Errorf("proposal %d: decode related listings: %w", p.ID, err)
	}
	if submitted.Valid {
		t := submitted.Time.UTC()
		p.SubmittedAt = &t
	}
	if decided.Valid {
		t := decided.Time.UTC()
		p.DecidedAt = &t
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

// Proposal returns the proposal with the given id.
func (db *DB) Proposal(ctx context.Context, id int64) (*kakehashi.Proposal, error) {
	return db.proposalTx(ctx, db.db, id, "")
}

func (db *DB) proposalTx(ctx context.Context, q rowQuerier, id int64, lock string) (*kakehashi.Proposal, error) {
	p, err := scanProposal(q.QueryRowContext(ctx, `SELECT `+proposalColumns+` FROM proposals p WHERE p.id = $1`+lock, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("proposal", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read proposal %d: %w", id, err)
	}
	return p, nil
}

// Proposals lists proposals in id order.
func (db *DB) Proposals(ctx context.Context, f kakehashi.ProposalFilter) ([]*kakehashi.Proposal, error) {
	q := newQuery(`SELECT `+proposalColumns+` FROM proposals p WHERE p.id > $1`, f.After)
	if f.CallID != 0 {
		q.where("p.call_id = ?", f.CallID)
	}
	if f.OrgID != 0 {
		q.where("p.org_id = ?", f.OrgID)
	}
	if f.Reviewer != 0 {
		q.where("p.id IN (SELECT proposal_id FROM proposal_reviewers WHERE user_id = ?)", f.Reviewer)
	}
	if !f.Drafts {
		q.where("p.status <> 'draft'")
	}
	q.sql += fmt.Sprintf(" ORDER BY p.id LIMIT %d", limit(f.Limit))
	return db.listProposals(ctx, db.db, q.sql, q.args...)
}

func (db *DB) listProposals(ctx context.Context, qr querier, q string, args ...any) ([]*kakehashi.Proposal, error) {
	rows, err := qr.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list proposals: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Proposal{}
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, fmt.Errorf("list proposals: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// closedError is the refusal of a proposal write after the call's deadline.
func closedError(c *kakehashi.Call) error {
	return kakehashi.Errorf(kakehashi.ECONFLICT, "the call closed on %s (%s): proposals can no longer be submitted or changed",
		c.DeadlineLocal().Format("2006-01-02 15:04"), c.TimeZone)
}

// checkProposal checks a proposal against its call and the proposer's
// rights: the call is open, the proposer's organization is eligible and is
// not the call's, and the related listings are seeds the proposer may see.
func (db *DB) checkProposal(ctx context.Context, tx *sql.Tx, c *kakehashi.Call, p *kakehashi.Proposal, actor *kakehashi.User) error {
	if !c.Open(db.now()) {
		return closedError(c)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	o, err := db.orgTx(ctx, tx, p.OrgID)
	if err != nil {
		return err
	}
	if ok, why := c.Eligible(o); !ok {
		return kakehashi.Errorf(kakehashi.EFORBIDDEN, "your organization is not eligible: %s", why)
	}
	var pr kakehashi.Problems
	for i, id := range p.RelatedListings {
		l, err := scanListing(tx.QueryRowContext(ctx, `SELECT `+listingColumns+` FROM listings l WHERE l.id = $1`, id))
		if errors.Is(err, sql.ErrNoRows) || err == nil && (!kakehashi.CanSeeListing(actor, l) || l.Side != kakehashi.SideSeed) {
			pr.Add("related_listings["+strconv.Itoa(i)+"]", "must be a seed listing you may see")
			continue
		}
		if err != nil {
			return fmt.Errorf("read listing %d: %w", id, err)
		}
	}
	if err := pr.Err("proposal"); err != nil {
		return err
	}
	return p.CheckAgainst(c)
}

func (db *DB) orgTx(ctx context.Context, tx *sql.Tx, id int64) (*kakehashi.Organization, error) {
	var o kakehashi.Organization
	err := tx.QueryRowContext(ctx, `SELECT id, kind, country FROM organizations WHERE id = $1`, id).Scan(&o.ID, &o.Kind, &o.Country)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("organization", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read organization %d: %w", id, err)
	}
	return &o, nil
}

// CreateProposal stores a draft proposal by actor on behalf of their
// organization. One proposal per organization and call.
func (db *DB) CreateProposal(ctx context.Context, p *kakehashi.Proposal, actor *kakehashi.User) error {
	p.Normalize()
	if actor == nil || actor.OrgID == 0 {
		return kakehashi.Errorf(kakehashi.EFORBIDDEN, "proposals are made on behalf of an organization, and your account belongs to none")
	}
	p.OrgID, p.ProposerID, p.Status = actor.OrgID, actor.ID, kakehashi.ProposalDraft
	return db.inTx(ctx, func(tx *sql.Tx) error {
		c, err := db.callTx(ctx, tx, p.CallID, "")
		if err != nil {
			return err
		}
		if actor.InOrg(c.OrgID) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "your organization runs this call: it cannot answer it")
		}
		if err := db.checkProposal(ctx, tx, c, p, actor); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM proposals WHERE call_id = $1 AND org_id = $2`, p.CallID, p.OrgID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "your organization already has a proposal for call %d", p.CallID)
		}
		now := db.now()
		p.CreatedAt, p.UpdatedAt = now, now
		err = tx.QueryRowContext(ctx, `INSERT INTO proposals (call_id, org_id, proposer_id, summary, approach, trl, team, related_listings,
			budget_requested, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			p.CallID, p.OrgID, p.ProposerID, p.Summary, p.Approach, p.TRL, p.Team, jsonText(p.RelatedListings), p.BudgetRequested,
			string(p.Status), now, now).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("create proposal: %w", mapError(err))
		}
		return db.audit(ctx, tx, actor, "proposal.create", "proposal", p.ID, map[string]any{"call_id": p.CallID})
	})
}

// editableProposal loads proposal id for a change by actor: ENOTFOUND for
// those who may not see it, EFORBIDDEN for those who may not change it,
// ECONFLICT once it is submitted or the call has closed.
func (db *DB) editableProposal(ctx context.Context, tx *sql.Tx, id int64, actor *kakehashi.User) (*kakehashi.Call, *kakehashi.Proposal, error) {
	p, err := db.proposalTx(ctx, tx, id, db.forUpdate())
	if err != nil {
		return nil, nil, err
	}
	c, err := db.callTx(ctx, tx, p.CallID, "")
	if err != nil {
		return nil, nil, err
	}
	reviewers, err := db.reviewersTx(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	if !kakehashi.CanSeeProposal(actor, c, p, reviewers) {
		return nil, nil, notFound("proposal", id)
	}
	if !kakehashi.CanEditProposal(actor, p) {
		return nil, nil, kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the proposing organization changes or submits its proposal")
	}
	if p.Status != kakehashi.ProposalDraft {
		return nil, nil, kakehashi.Errorf(kakehashi.ECONFLICT, "the proposal was submitted already: it can no longer change")
	}
	if !c.Open(db.now()) {
		return nil, nil, closedError(c)
	}
	return c, p, nil
}

// UpdateProposal replaces the content of draft p.ID.
func (db *DB) UpdateProposal(ctx context.Context, p *kakehashi.Proposal, actor *kakehashi.User) error {
	p.Normalize()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		c, stored, err := db.editableProposal(ctx, tx, p.ID, actor)
		if err != nil {
			return err
		}
		p.CallID, p.OrgID, p.ProposerID, p.Status, p.CreatedAt = stored.CallID, stored.OrgID, stored.ProposerID, stored.Status, stored.CreatedAt
		if err := db.checkProposal(ctx, tx, c, p, actor); err != nil {
			return err
		}
		p.UpdatedAt = db.now()
		if _, err := tx.ExecContext(ctx, `UPDATE proposals SET summary = $1, approach = $2, trl = $3, team = $4, related_listings = $5,
			budget_requested = $6, updated_at = $7 WHERE id = $8`, p.Summary, p.Approach, p.TRL, p.Team, jsonText(p.RelatedListings),
			p.BudgetRequested, p.UpdatedAt, p.ID); err != nil {
			return fmt.Errorf("update proposal %d: %w", p.ID, err)
		}
		return db.audit(ctx, tx, actor, "proposal.update", "proposal", p.ID, nil)
	})
}

// SubmitProposal submits draft id, before the call's deadline only, and
// tells the call's organization.
func (db *DB) SubmitProposal(ctx context.Context, id int64, actor *kakehashi.User) (*kakehashi.Proposal, error) {
	var out *kakehashi.Proposal
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		c, p, err := db.editableProposal(ctx, tx, id, actor)
		if err != nil {
			return err
		}
		if err := db.checkProposal(ctx, tx, c, p, actor); err != nil {
			return err
		}
		now := db.now()
		p.Status, p.SubmittedAt, p.UpdatedAt = kakehashi.ProposalSubmitted, &now, now
		if _, err := tx.ExecContext(ctx, `UPDATE proposals SET status = $1, submitted_at = $2, updated_at = $2 WHERE id = $3`,
			string(p.Status), now, id); err != nil {
			return fmt.Errorf("submit proposal %d: %w", id, err)
		}
		if err := db.notifyOrg(ctx, tx, c.OrgID, "proposal", "New proposal for your call: "+c.Theme, proposalLink(id), now); err != nil {
			return err
		}
		out = p
		return db.audit(ctx, tx, actor, "proposal.submit", "proposal", id, map[string]any{"call_id": c.ID})
	})
	return out, err
}

func proposalLink(id int64) string { return "/proposals/" + strconv.FormatInt(id, 10) }

// ownedProposal loads proposal id for an act of the call's owner: ENOTFOUND
// for those who may not see it, EFORBIDDEN for others who see it.
func (db *DB) ownedProposal(ctx context.Context, tx *sql.Tx, id int64, actor *kakehashi.User) (*kakehashi.Call, *kakehashi.Proposal, []int64, error) {
	p, err := db.proposalTx(ctx, tx, id, db.forUpdate())
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := db.callTx(ctx, tx, p.CallID, "")
	if err != nil {
		return nil, nil, nil, err
	}
	reviewers, err := db.reviewersTx(ctx, tx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if !kakehashi.CanSeeProposal(actor, c, p, reviewers) {
		return nil, nil, nil, notFound("proposal", id)
	}
	if !kakehashi.CanManageCall(actor, c) {
		return nil, nil, nil, kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the call's organization and coordinators do this")
	}
	return c, p, reviewers, nil
}

// MoveProposal moves a proposal to its next stage or decides it, and tells
// the proposing side. Adoption opens an introduction between the proposer
// and the call's organization on the call's listing, already introduced
// (or held at interest when the export-control gate holds it).
func (db *DB) MoveProposal(ctx context.Context, id int64, m kakehashi.ProposalMove, actor *kakehashi.User) (*kakehashi.Proposal, error) {
	if m.To == kakehashi.ProposalAdopted {
		if err := db.refreshScreener(ctx); err != nil {
			return nil, err
		}
	}
	var out *kakehashi.Proposal
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		c, p, _, err := db.ownedProposal(ctx, tx, id, actor)
		if err != nil {
			return err
		}
		if err := p.CheckMove(m); err != nil {
			return err
		}
		from := p.Status
		now := db.now()
		p.Status, p.UpdatedAt = m.To, now
		if m.To.Decided() {
			p.Feedback, p.DecidedAt = strings.TrimSpace(m.Feedback), &now
		}
		if m.To == kakehashi.ProposalAdopted {
			if p.IntroductionID, err = db.adoptionIntroduction(ctx, tx, c, p, actor, now); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE proposals SET status = $1, feedback = $2, decided_at = $3, introduction_id = $4, updated_at = $5
			WHERE id = $6`, string(p.Status), p.Feedback, nullTime(p.DecidedAt), nullID(p.IntroductionID), now, id); err != nil {
			return fmt.Errorf("move proposal %d: %w", id, err)
		}
		kind, subject := "proposal_stage", fmt.Sprintf("Your proposal to %q moved to %s", c.Theme, m.To)
		if m.To.Decided() {
			kind, subject = "decision", fmt.Sprintf("Decision on your proposal to %q: %s. Feedback: %s", c.Theme, m.To, p.Feedback)
		}
		if err := db.notifyUsers(ctx, tx, kind, subject, proposalLink(id), now, `id = $5 OR org_id = $6`, p.ProposerID, p.OrgID); err != nil {
			return err
		}
		out = p
		return db.audit(ctx, tx, actor, "proposal.move", "proposal", id, map[string]any{"from": from, "to": m.To})
	})
	return out, err
}

// adoptionIntroduction opens the introduction of an adopted proposal within
// tx: the proposer is the requester, the call's listing the subject, and the
// owner's adoption is its acceptance, so it starts at introduced — unless
// the export-control gate holds it: then it starts at interest, on hold, and
// the owner accepts it once a coordinator clears the proposer.
func (db *DB) adoptionIntroduction(ctx context.Context, tx *sql.Tx, c *kakehashi.Call, p *kakehashi.Proposal, actor *kakehashi.User, now time.Time) (int64, error) {
	in := &kakehashi.Introduction{ListingID: c.ListingID, OwnerOrgID: c.OrgID, RequesterID: p.ProposerID, RequesterOrgID: p.OrgID,
		Message: fmt.Sprintf("Proposal %d was adopted in the call %q.\n\n%s", p.ID, c.Theme, p.Summary), Stage: kakehashi.StageIntroduced,
		StageChangedAt: now, CreatedAt: now, UpdatedAt: now}
	if len(p.RelatedListings) > 0 {
		in.RelatedListingID = p.RelatedListings[0]
	}
	if err := db.insertIntroduction(ctx, tx, in); err != nil {
		return 0, fmt.Errorf("open the adoption's introduction: %w", err)
	}
	if err := db.stageEvent(ctx, tx, in.ID, &kakehashi.User{ID: p.ProposerID}, "", kakehashi.StageInterest, "proposal "+strconv.FormatInt(p.ID, 10), now); err != nil {
		return 0, err
	}
	subject := fmt.Sprintf("Introduction %d opened: proposal %d was adopted in the call %q", in.ID, p.ID, c.Theme)
	if in.Hold != "" {
		subject += "; it is held for export-control review until a coordinator clears the proposing organization"
	} else if err := db.stageEvent(ctx, tx, in.ID, actor, kakehashi.StageInterest, kakehashi.StageIntroduced, "adopted in call "+strconv.FormatInt(c.ID, 10), now); err != nil {
		return 0, err
	}
	if err := db.notifyParties(ctx, tx, in, actor.ID, "stage", subject, now); err != nil {
		return 0, err
	}
	if err := db.queueIntroWebhooks(ctx, tx, kakehashi.WebhookIntroductionCreated, in, nil, now); err != nil {
		return 0, err
	}
	return in.ID, db.audit(ctx, tx, actor, "introduction.create", "introduction", in.ID, map[string]any{"listing_id": in.ListingID, "proposal_id": p.ID})
}
