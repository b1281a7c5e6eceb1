package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kakehashi/kakehashi"
)

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
