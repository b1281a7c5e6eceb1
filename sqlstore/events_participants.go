package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kakehashi/kakehashi"
)

const participantColumns = `id, event_id, user_id, COALESCE(org_id, 0), name, profile, listing_ids, available, created_at`

func scanParticipant(s scanner) (*kakehashi.Participant, error) {
	var p kakehashi.Participant
	var listings, avail string
	if err := s.Scan(&p.ID, &p.EventID, &p.UserID, &p.OrgID, &p.Name, &p.Profile, &listings, &avail, &p.CreatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(listings), &p.ListingIDs); err != nil {
		return nil, fmt.Errorf("participant %d listings: %w", p.ID, err)
	}
	if err := json.Unmarshal([]byte(avail), &p.Available); err != nil {
		return nil, fmt.Errorf("participant %d availability: %w", p.ID, err)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, nil
}

// checkParticipant validates a registration against its event and makes
// sure the linked listings belong to the participant's organization.
func (db *DB) checkParticipant(ctx context.Context, tx *sql.Tx, e *kakehashi.Event, p *kakehashi.Participant) error {
	if p.ListingIDs == nil {
		p.ListingIDs = []int64{}
	}
	if err := p.Validate(len(e.Slots())); err != nil {
		return err
	}
	for _, id := range p.ListingIDs {
		var org int64
		err := tx.QueryRowContext(ctx, `SELECT org_id FROM listings WHERE id = $1`, id).Scan(&org)
		if errors.Is(err, sql.ErrNoRows) || err == nil && (org != p.OrgID || p.OrgID == 0) {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid registration",
				Fields: []kakehashi.FieldError{{Field: "listing_ids", Message: fmt.Sprintf("listing %d is not one of your organization's", id)}}}
		}
		if err != nil {
			return fmt.Errorf("read listing %d: %w", id, err)
		}
	}
	return nil
}

// Register signs actor up for an open event, for their organization.
func (db *DB) Register(ctx context.Context, p *kakehashi.Participant, actor *kakehashi.User) error {
	if actor == nil {
		return kakehashi.Errorf(kakehashi.EUNAUTHORIZED, "sign in to register")
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		e, err := db.eventQ(ctx, tx, p.EventID)
		if err != nil {
			return err
		}
		if !kakehashi.CanSeeEvent(actor, e) {
			return notFound("event", p.EventID)
		}
		if !kakehashi.CanRegister(actor, e) {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "event %d does not take registrations", e.ID)
		}
		p.UserID, p.OrgID = actor.ID, actor.OrgID
		if p.Name == "" {
			p.Name = actor.Name
		}
		if err := db.checkParticipant(ctx, tx, e, p); err != nil {
			return err
		}
		p.CreatedAt = db.now()
		err = tx.QueryRowContext(ctx, `INSERT INTO event_participants (event_id, user_id, org_id, name, profile, listing_ids, available, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, p.EventID, p.UserID, sql.NullInt64{Int64: p.OrgID, Valid: p.OrgID != 0},
			p.Name, p.Profile, jsonText(p.ListingIDs), jsonText(p.Available), p.CreatedAt).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("register: %w", mapError(err))
		}
		return db.audit(ctx, tx, actor, "register", "event_participant", p.ID, map[string]any{"event_id": p.EventID})
	})
}

// UpdateParticipant changes a registration's profile, listings and
// availability; the participant themselves or staff may.
func (db *DB) UpdateParticipant(ctx context.Context, p *kakehashi.Participant, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		prev, err := scanParticipant(tx.QueryRowContext(ctx, `SELECT `+participantColumns+` FROM event_participants WHERE id = $1`, p.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("participant", p.ID)
		}
		if err != nil {
			return fmt.Errorf("read participant %d: %w", p.ID, err)
		}
		if !kakehashi.ActsFor(actor, prev) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the participant may change registration %d", p.ID)
		}
		e, err := db.eventQ(ctx, tx, prev.EventID)
		if err != nil {
			return err
		}
		p.EventID, p.UserID, p.OrgID, p.CreatedAt = prev.EventID, prev.UserID, prev.OrgID, prev.CreatedAt
		if p.Name == "" {
			p.Name = prev.Name
		}
		if err := db.checkParticipant(ctx, tx, e, p); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE event_participants SET name = $1, profile = $2, listing_ids = $3, available = $4 WHERE id = $5`,
			p.Name, p.Profile, jsonText(p.ListingIDs), jsonText(p.Available), p.ID); err != nil {
			return fmt.Errorf("update participant %d: %w", p.ID, mapError(err))
		}
		return db.audit(ctx, tx, actor, "update", "event_participant", p.ID, nil)
	})
}

// Participant returns one registration.
func (db *DB) Participant(ctx context.Context, id int64) (*kakehashi.Participant, error) {
	p, err := scanParticipant(db.db.QueryRowContext(ctx, `SELECT `+participantColumns+` FROM event_participants WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("participant", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read participant %d: %w", id, err)
	}
	return p, nil
}

// Participants lists an event's registrations in registration order.
func (db *DB) Participants(ctx context.Context, eventID int64) ([]*kakehashi.Participant, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+participantColumns+` FROM event_participants WHERE event_id = $1 ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("list participants: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Participant{}
	for rows.Next() {
		p, err := scanParticipant(rows)
		if err != nil {
			return nil, fmt.Errorf("list participants: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
