package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kakehashi/kakehashi"
)

var _ kakehashi.EventService = (*DB)(nil)

const eventColumns = `id, org_id, name, description, status, online, venue, time_zone, start_date, end_date, day_start, day_end,
	breaks, meeting_minutes, tables, COALESCE(created_by, 0), created_at, updated_at`

func scanEvent(s scanner) (*kakehashi.Event, error) {
	var e kakehashi.Event
	var breaks string
	if err := s.Scan(&e.ID, &e.OrgID, &e.Name, &e.Description, &e.Status, &e.Online, &e.Venue, &e.TimeZone, &e.StartDate, &e.EndDate,
		&e.DayStart, &e.DayEnd, &breaks, &e.MeetingMinutes, &e.Tables, &e.CreatedBy, &e.CreatedAt, &e.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(breaks), &e.Breaks); err != nil {
		return nil, fmt.Errorf("event %d breaks: %w", e.ID, err)
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return &e, nil
}

// Event returns the event with the given id.
func (db *DB) Event(ctx context.Context, id int64) (*kakehashi.Event, error) {
	return db.eventQ(ctx, db.db, id)
}

type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (db *DB) eventQ(ctx context.Context, q queryer, id int64) (*kakehashi.Event, error) {
	e, err := scanEvent(q.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("event", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read event %d: %w", id, err)
	}
	return e, nil
}

// Events lists the events viewer may see, newest first.
func (db *DB) Events(ctx context.Context, viewer *kakehashi.User) ([]*kakehashi.Event, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+eventColumns+` FROM events ORDER BY start_date DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		if kakehashi.CanSeeEvent(viewer, e) {
			out = append(out, e)
		}
	}
	return out, rows.Err()
}

// CreateEvent stores a new event for an organization actor belongs to.
func (db *DB) CreateEvent(ctx context.Context, e *kakehashi.Event, actor *kakehashi.User) error {
	e.Normalize()
	if err := e.Validate(); err != nil {
		return err
	}
	if !kakehashi.CanCreateEventFor(actor, e.OrgID) {
		return kakehashi.Errorf(kakehashi.EFORBIDDEN, "you may not organize events for organization %d", e.OrgID)
	}
	now := db.now()
	e.CreatedAt, e.UpdatedAt = now, now
	if actor != nil {
		e.CreatedBy = actor.ID
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO events (org_id, name, description, status, online, venue, time_zone, start_date, end_date,
			day_start, day_end, breaks, meeting_minutes, tables, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
			e.OrgID, e.Name, e.Description, e.Status, e.Online, e.Venue, e.TimeZone, e.StartDate, e.EndDate, e.DayStart, e.DayEnd,
			jsonText(e.Breaks), e.MeetingMinutes, e.Tables, sql.NullInt64{Int64: e.CreatedBy, Valid: e.CreatedBy != 0}, now, now).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("create event: %w", mapError(err))
		}
		return db.audit(ctx, tx, actor, "create", "event", e.ID, map[string]any{"name": e.Name, "org_id": e.OrgID})
	})
}

// UpdateEvent changes an event; only its organizers may. The organizing
// organization does not change.
func (db *DB) UpdateEvent(ctx context.Context, e *kakehashi.Event, actor *kakehashi.User) error {
	e.Normalize()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		prev, err := db.eventQ(ctx, tx, e.ID)
		if err != nil {
			return err
		}
		if !kakehashi.IsOrganizer(actor, prev) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the organizers may change event %d", e.ID)
		}
		e.OrgID, e.CreatedBy, e.CreatedAt = prev.OrgID, prev.CreatedBy, prev.CreatedAt
		if err := e.Validate(); err != nil {
			return err
		}
		e.UpdatedAt = db.now()
		if _, err := tx.ExecContext(ctx, `UPDATE events SET name = $1, description = $2, status = $3, online = $4, venue = $5, time_zone = $6,
			start_date = $7, end_date = $8, day_start = $9, day_end = $10, breaks = $11, meeting_minutes = $12, tables = $13, updated_at = $14 WHERE id = $15`,
			e.Name, e.Description, e.Status, e.Online, e.Venue, e.TimeZone, e.StartDate, e.EndDate, e.DayStart, e.DayEnd,
			jsonText(e.Breaks), e.MeetingMinutes, e.Tables, e.UpdatedAt, e.ID); err != nil {
			return fmt.Errorf("update event %d: %w", e.ID, mapError(err))
		}
		return db.audit(ctx, tx, actor, "update", "event", e.ID, map[string]any{"status": e.Status})
	})
}
