package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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

const meetingColumns = `m.id, m.event_id, m.request_id, r.from_id, r.to_id, m.slot, m.table_no, m.pinned, m.status, COALESCE(m.introduction_id, 0), m.updated_at`

func scanMeeting(s scanner) (*kakehashi.Meeting, error) {
	var m kakehashi.Meeting
	if err := s.Scan(&m.ID, &m.EventID, &m.RequestID, &m.FromID, &m.ToID, &m.Slot, &m.Table, &m.Pinned, &m.Status, &m.IntroductionID, &m.UpdatedAt); err != nil {
		return nil, err
	}
	m.UpdatedAt = m.UpdatedAt.UTC()
	return &m, nil
}

// Meetings lists an event's scheduled meetings by slot and table.
func (db *DB) Meetings(ctx context.Context, eventID int64) ([]*kakehashi.Meeting, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+meetingColumns+` FROM event_meetings m JOIN meeting_requests r ON r.id = m.request_id
		WHERE m.event_id = $1 ORDER BY m.slot, m.table_no, m.id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Meeting{}
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			return nil, fmt.Errorf("list meetings: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (db *DB) meetingTx(ctx context.Context, tx *sql.Tx, id int64) (*kakehashi.Meeting, error) {
	m, err := scanMeeting(tx.QueryRowContext(ctx, `SELECT `+meetingColumns+` FROM event_meetings m JOIN meeting_requests r ON r.id = m.request_id WHERE m.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("meeting", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read meeting %d: %w", id, err)
	}
	return m, nil
}

// SaveSchedule replaces the event's unpinned, not yet held meetings with
// placed (each an accepted request of the event with its slot and table).
// Pinned meetings and meetings already marked stay as they are; a placed
// meeting for one of their requests is an error.
func (db *DB) SaveSchedule(ctx context.Context, eventID int64, placed []*kakehashi.Meeting, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		e, err := db.eventQ(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if !kakehashi.IsOrganizer(actor, e) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the organizers may schedule event %d", eventID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM event_meetings WHERE event_id = $1 AND NOT pinned AND status = $2`, eventID, kakehashi.MeetingScheduled); err != nil {
			return fmt.Errorf("clear schedule: %w", err)
		}
		nSlots := len(e.Slots())
		now := db.now()
		for _, m := range placed {
			if m.Slot < 0 || m.Slot >= nSlots || m.Table < 0 || m.Table >= e.Tables {
				return kakehashi.Errorf(kakehashi.EINVALID, "meeting for request %d at slot %d table %d is outside the event", m.RequestID, m.Slot, m.Table)
			}
			var status kakehashi.RequestStatus
			var reqEvent int64
			err := tx.QueryRowContext(ctx, `SELECT status, event_id FROM meeting_requests WHERE id = $1`, m.RequestID).Scan(&status, &reqEvent)
			if errors.Is(err, sql.ErrNoRows) || err == nil && (reqEvent != eventID || status != kakehashi.RequestAccepted) {
				return kakehashi.Errorf(kakehashi.EINVALID, "request %d is not an accepted request of event %d", m.RequestID, eventID)
			}
			if err != nil {
				return fmt.Errorf("read request %d: %w", m.RequestID, err)
			}
			m.EventID, m.Status, m.Pinned, m.UpdatedAt = eventID, kakehashi.MeetingScheduled, false, now
			if err := tx.QueryRowContext(ctx, `INSERT INTO event_meetings (event_id, request_id, slot, table_no, pinned, status, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, eventID, m.RequestID, m.Slot, m.Table, false, m.Status, now).Scan(&m.ID); err != nil {
				return fmt.Errorf("save meeting for request %d: %w", m.RequestID, mapError(err))
			}
		}
		if err := db.checkClashes(ctx, tx, eventID); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "schedule", "event", eventID, map[string]any{"placed": len(placed)})
	})
}

// checkClashes fails with ECONFLICT when two meetings of an event share a
// table, or a participant, in one slot.
func (db *DB) checkClashes(ctx context.Context, tx *sql.Tx, eventID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT slot, table_no FROM event_meetings WHERE event_id = $1
		GROUP BY slot, table_no HAVING COUNT(*) > 1) t`, eventID).Scan(&n); err != nil {
		return fmt.Errorf("check tables: %w", err)
	}
	if n > 0 {
		return kakehashi.Errorf(kakehashi.ECONFLICT, "two meetings share a table in the same slot")
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT m.slot, p.pid FROM event_meetings m
		JOIN (SELECT id, from_id AS pid FROM meeting_requests UNION ALL SELECT id, to_id FROM meeting_requests) p ON p.id = m.request_id
		WHERE m.event_id = $1 GROUP BY m.slot, p.pid HAVING COUNT(*) > 1) t`, eventID).Scan(&n); err != nil {
		return fmt.Errorf("check participants: %w", err)
	}
	if n > 0 {
		return kakehashi.Errorf(kakehashi.ECONFLICT, "a participant would be in two meetings in the same slot")
	}
	return nil
}

// MoveMeeting places a meeting by hand (pinned keeps it there when the
// scheduler runs again); organizers only. Clashes are refused.
func (db *DB) MoveMeeting(ctx context.Context, id int64, slot, table int, pinned bool, actor *kakehashi.User) (*kakehashi.Meeting, error) {
	var m *kakehashi.Meeting
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if m, err = db.meetingTx(ctx, tx, id); err != nil {
			return err
		}
		e, err := db.eventQ(ctx, tx, m.EventID)
		if err != nil {
			return err
		}
		if !kakehashi.IsOrganizer(actor, e) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the organizers may move meetings")
		}
		if slot < 0 || slot >= len(e.Slots()) || table < 0 || table >= e.Tables {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid move",
				Fields: []kakehashi.FieldError{{Field: "slot", Message: "slot or table is outside the event"}}}
		}
		m.Slot, m.Table, m.Pinned, m.UpdatedAt = slot, table, pinned, db.now()
		if _, err := tx.ExecContext(ctx, `UPDATE event_meetings SET slot = $1, table_no = $2, pinned = $3, updated_at = $4 WHERE id = $5`,
			slot, table, pinned, m.UpdatedAt, id); err != nil {
			return fmt.Errorf("move meeting %d: %w", id, err)
		}
		if err := db.checkClashes(ctx, tx, m.EventID); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "move", "event_meeting", id, map[string]any{"slot": slot, "table": table, "pinned": pinned})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// MarkMeeting records whether a meeting was held or a no-show; the
// organizers and the two participants may.
func (db *DB) MarkMeeting(ctx context.Context, id int64, status kakehashi.MeetingStatus, actor *kakehashi.User) (*kakehashi.Meeting, error) {
	if status != kakehashi.MeetingHeld && status != kakehashi.MeetingNoShow && status != kakehashi.MeetingScheduled {
		return nil, &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid mark",
			Fields: []kakehashi.FieldError{{Field: "status", Message: "must be held, no_show or scheduled"}}}
	}
	var m *kakehashi.Meeting
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if m, err = db.meetingTx(ctx, tx, id); err != nil {
			return err
		}
		e, err := db.eventQ(ctx, tx, m.EventID)
		if err != nil {
			return err
		}
		from, err := db.participantTx(ctx, tx, m.FromID)
		if err != nil {
			return err
		}
		to, err := db.participantTx(ctx, tx, m.ToID)
		if err != nil {
			return err
		}
		if !kakehashi.CanMarkMeeting(actor, e, from, to) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the organizers and the participants may mark meeting %d", id)
		}
		m.Status, m.UpdatedAt = status, db.now()
		if _, err := tx.ExecContext(ctx, `UPDATE event_meetings SET status = $1, updated_at = $2 WHERE id = $3`, status, m.UpdatedAt, id); err != nil {
			return fmt.Errorf("mark meeting %d: %w", id, err)
		}
		return db.audit(ctx, tx, actor, "mark", "event_meeting", id, map[string]any{"status": status})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// LinkMeetingIntroduction records the introduction a held meeting opened.
func (db *DB) LinkMeetingIntroduction(ctx context.Context, meetingID, introductionID int64, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE event_meetings SET introduction_id = $1, updated_at = $2 WHERE id = $3`,
			introductionID, db.now(), meetingID); err != nil {
			return fmt.Errorf("link meeting %d: %w", meetingID, mapError(err))
		}
		return db.audit(ctx, tx, actor, "introduce", "event_meeting", meetingID, map[string]any{"introduction_id": introductionID})
	})
}

// RecordListingView counts a fair listing view; visitorHash is already a
// keyed hash of the visitor, never an address. It reports whether the view
// was new for that visitor, listing and day. Views are not audited one by
// one: they are anonymous statistics, not writes by a person.
func (db *DB) RecordListingView(ctx context.Context, eventID, listingID int64, day, visitorHash string) (bool, error) {
	if _, err := time.Parse(time.DateOnly, day); err != nil || len(visitorHash) < 16 {
		return false, kakehashi.Errorf(kakehashi.EINVALID, "a view needs a day and a visitor hash")
	}
	conflict := `ON CONFLICT DO NOTHING`
	res, err := db.db.ExecContext(ctx, `INSERT INTO fair_views (event_id, listing_id, day, visitor_hash) VALUES ($1, $2, $3, $4) `+conflict,
		eventID, listingID, day, visitorHash)
	if err != nil {
		return false, fmt.Errorf("record view: %w", mapError(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record view: %w", err)
	}
	return n == 1, nil
}

// ListingViews counts an event's fair views per listing (unique visitors
// per day, summed over days), most viewed first.
func (db *DB) ListingViews(ctx context.Context, eventID int64) ([]*kakehashi.ListingViewStat, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT v.listing_id, l.org_id, COUNT(*), COUNT(DISTINCT v.day) FROM fair_views v
		JOIN listings l ON l.id = v.listing_id WHERE v.event_id = $1 GROUP BY v.listing_id, l.org_id ORDER BY COUNT(*) DESC, v.listing_id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("listing views: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.ListingViewStat{}
	for rows.Next() {
		var s kakehashi.ListingViewStat
		if err := rows.Scan(&s.ListingID, &s.OrgID, &s.Views, &s.Days); err != nil {
			return nil, fmt.Errorf("listing views: %w", err)
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}
