package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kakehashi/kakehashi"
)

const requestColumns = `id, event_id, from_id, to_id, reason, status, created_at, decided_at`

func scanRequest(s scanner) (*kakehashi.MeetingRequest, error) {
	var r kakehashi.MeetingRequest
	var decided sql.NullTime
	if err := s.Scan(&r.ID, &r.EventID, &r.FromID, &r.ToID, &r.Reason, &r.Status, &r.CreatedAt, &decided); err != nil {
		return nil, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	if decided.Valid {
		t := decided.Time.UTC()
		r.DecidedAt = &t
	}
	return &r, nil
}

func (db *DB) participantTx(ctx context.Context, tx *sql.Tx, id int64) (*kakehashi.Participant, error) {
	p, err := scanParticipant(tx.QueryRowContext(ctx, `SELECT `+participantColumns+` FROM event_participants WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("participant", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read participant %d: %w", id, err)
	}
	return p, nil
}

// CreateMeetingRequest sends a meeting request from one participant (whom
// actor must speak for) to another of the same open event, and tells the
// recipient.
func (db *DB) CreateMeetingRequest(ctx context.Context, r *kakehashi.MeetingRequest, actor *kakehashi.User) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		from, err := db.participantTx(ctx, tx, r.FromID)
		if err != nil {
			return err
		}
		if !kakehashi.ActsFor(actor, from) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "you may only send requests as yourself")
		}
		to, err := db.participantTx(ctx, tx, r.ToID)
		if err != nil {
			return err
		}
		if to.EventID != from.EventID {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid meeting request",
				Fields: []kakehashi.FieldError{{Field: "to_id", Message: "is not a participant of this event"}}}
		}
		e, err := db.eventQ(ctx, tx, from.EventID)
		if err != nil {
			return err
		}
		if e.Status != kakehashi.EventOpen {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "event %d does not take meeting requests", e.ID)
		}
		r.EventID, r.Status, r.CreatedAt, r.DecidedAt = e.ID, kakehashi.RequestPending, db.now(), nil
		if err := tx.QueryRowContext(ctx, `INSERT INTO meeting_requests (event_id, from_id, to_id, reason, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, r.EventID, r.FromID, r.ToID, r.Reason, r.Status, r.CreatedAt).Scan(&r.ID); err != nil {
			return fmt.Errorf("create meeting request: %w", mapError(err))
		}
		if err := db.notify(ctx, tx, to.UserID, "meeting_request", fmt.Sprintf("%s asks to meet you at %s", from.Name, e.Name),
			fmt.Sprintf("/events/%d/requests", e.ID), r.CreatedAt); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "create", "meeting_request", r.ID, map[string]any{"event_id": e.ID, "to_id": r.ToID})
	})
}

// DecideMeetingRequest accepts or declines a pending request; the recipient
// (or staff) decides.
func (db *DB) DecideMeetingRequest(ctx context.Context, id int64, accept bool, actor *kakehashi.User) (*kakehashi.MeetingRequest, error) {
	var r *kakehashi.MeetingRequest
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanRequest(tx.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM meeting_requests WHERE id = $1`+db.forUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("meeting request", id)
		}
		if err != nil {
			return fmt.Errorf("read meeting request %d: %w", id, err)
		}
		to, err := db.participantTx(ctx, tx, r.ToID)
		if err != nil {
			return err
		}
		if !kakehashi.ActsFor(actor, to) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the recipient may answer meeting request %d", id)
		}
		if r.Status != kakehashi.RequestPending {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "meeting request %d is already %s", id, r.Status)
		}
		now := db.now()
		r.Status, r.DecidedAt = kakehashi.RequestDeclined, &now
		if accept {
			r.Status = kakehashi.RequestAccepted
		}
		if _, err := tx.ExecContext(ctx, `UPDATE meeting_requests SET status = $1, decided_at = $2 WHERE id = $3`, r.Status, now, id); err != nil {
			return fmt.Errorf("decide meeting request %d: %w", id, err)
		}
		from, err := db.participantTx(ctx, tx, r.FromID)
		if err != nil {
			return err
		}
		if err := db.notify(ctx, tx, from.UserID, "meeting_"+string(r.Status), fmt.Sprintf("%s %s your meeting request", to.Name, r.Status),
			fmt.Sprintf("/events/%d/requests", r.EventID), now); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, string(r.Status), "meeting_request", id, nil)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// MeetingRequests lists an event's requests in the order they were sent.
func (db *DB) MeetingRequests(ctx context.Context, eventID int64) ([]*kakehashi.MeetingRequest, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+requestColumns+` FROM meeting_requests WHERE event_id = $1 ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("list meeting requests: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.MeetingRequest{}
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, fmt.Errorf("list meeting requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
