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

var _ kakehashi.IntroductionService = (*DB)(nil)

const introColumns = `i.id, i.listing_id, i.owner_org_id, i.requester_id, COALESCE(i.requester_org_id, 0), COALESCE(i.related_listing_id, 0),
	i.message, i.stage, i.outcome, i.reason, i.reason_text, i.agreement, COALESCE(i.coordinator_id, 0), i.stage_changed_at, i.created_at, i.updated_at, i.hold`

func scanIntro(s scanner) (*kakehashi.Introduction, error) {
	var in kakehashi.Introduction
	var agreement string
	if err := s.Scan(&in.ID, &in.ListingID, &in.OwnerOrgID, &in.RequesterID, &in.RequesterOrgID, &in.RelatedListingID,
		&in.Message, &in.Stage, &in.Outcome, &in.Reason, &in.ReasonText, &agreement, &in.CoordinatorID,
		&in.StageChangedAt, &in.CreatedAt, &in.UpdatedAt, &in.Hold); err != nil {
		return nil, err
	}
	if agreement != "" {
		in.Agreement = &kakehashi.Agreement{}
		if err := json.Unmarshal([]byte(agreement), in.Agreement); err != nil {
			return nil, fmt.Errorf("introduction %d agreement: %w", in.ID, err)
		}
	}
	in.StageChangedAt, in.CreatedAt, in.UpdatedAt = in.StageChangedAt.UTC(), in.CreatedAt.UTC(), in.UpdatedAt.UTC()
	return &in, nil
}

// forUpdate locks the selected rows on PostgreSQL; SQLite's write
// transactions already exclude each other.
func (db *DB) forUpdate() string {
	if db.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Introduction returns the introduction with the given id.
func (db *DB) Introduction(ctx context.Context, id int64) (*kakehashi.Introduction, error) {
	in, err := scanIntro(db.db.QueryRowContext(ctx, `SELECT `+introColumns+` FROM introductions i WHERE i.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("introduction", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read introduction %d: %w", id, err)
	}
	return in, nil
}

// Introductions lists introductions in id order.
func (db *DB) Introductions(ctx context.Context, f kakehashi.IntroductionFilter) ([]*kakehashi.Introduction, error) {
	q := newQuery(`SELECT `+introColumns+` FROM introductions i WHERE i.id > $1`, f.After)
	if u := f.Party; u != nil {
		cond, args := "i.requester_id = ? OR i.coordinator_id = ?", []any{u.ID, u.ID}
		if u.OrgID != 0 {
			cond += " OR i.requester_org_id = ? OR i.owner_org_id = ?"
			args = append(args, u.OrgID, u.OrgID)
		}
		q.where("("+cond+")", args...)
	}
	if f.Open || !f.StalledBefore.IsZero() {
		q.where("i.stage <> 'closed'")
	}
	if !f.StalledBefore.IsZero() {
		q.where("i.stage_changed_at < ?", f.StalledBefore.UTC())
	}
	if f.Coordinator != 0 {
		q.where("i.coordinator_id = ?", f.Coordinator)
	}
	q.sql += fmt.Sprintf(" ORDER BY i.id LIMIT %d", limit(f.Limit))
	rows, err := db.db.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list introductions: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Introduction{}
	for rows.Next() {
		in, err := scanIntro(rows)
		if err != nil {
			return nil, fmt.Errorf("list introductions: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// CreateIntroduction records a new interest in a listing and tells the
// listing's organization. The requester must see the listing and may not
// belong to its organization; one open interest per requester and listing.
// The export-control gate decides in.Hold.
func (db *DB) CreateIntroduction(ctx context.Context, in *kakehashi.Introduction, actor *kakehashi.User) error {
	in.Message = strings.TrimSpace(in.Message)
	if err := in.Validate(); err != nil {
		return err
	}
	if err := db.refreshScreener(ctx); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		l, err := scanListing(tx.QueryRowContext(ctx, `SELECT `+listingColumns+` FROM listings l WHERE l.id = $1`, in.ListingID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("listing", in.ListingID)
		}
		if err != nil {
			return fmt.Errorf("read listing %d: %w", in.ListingID, err)
		}
		if !kakehashi.CanSeeListing(actor, l) {
			return notFound("listing", in.ListingID)
		}
		if actor.InOrg(l.OrgID) {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid interest",
				Fields: []kakehashi.FieldError{{Field: "listing_id", Message: "is your own organization's listing"}}}
		}
		if in.RelatedListingID != 0 {
			var owner int64
			err := tx.QueryRowContext(ctx, `SELECT org_id FROM listings WHERE id = $1`, in.RelatedListingID).Scan(&owner)
			if errors.Is(err, sql.ErrNoRows) || err == nil && !actor.InOrg(owner) && !actor.IsStaff() {
				return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid interest",
					Fields: []kakehashi.FieldError{{Field: "related_listing_id", Message: "must be one of your organization's listings"}}}
			}
			if err != nil {
				return err
			}
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM introductions WHERE listing_id = $1 AND requester_id = $2 AND stage <> 'closed'`,
			in.ListingID, in.RequesterID).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return kakehashi.Errorf(kakehashi.ECONFLICT, "you already have an open interest in listing %d", in.ListingID)
		}
		now := db.now()
		in.OwnerOrgID, in.Stage, in.StageChangedAt, in.CreatedAt, in.UpdatedAt = l.OrgID, kakehashi.StageInterest, now, now, now
		if err := db.insertIntroduction(ctx, tx, in); err != nil {
			return err
		}
		if err := db.stageEvent(ctx, tx, in.ID, actor, "", kakehashi.StageInterest, "", now); err != nil {
			return err
		}
		subject := "New interest in your listing: " + l.Title
		if err := db.notifyOrg(ctx, tx, in.OwnerOrgID, "interest", subject, introLink(in.ID), now); err != nil {
			return err
		}
		if err := db.queueIntroWebhooks(ctx, tx, kakehashi.WebhookIntroductionCreated, in, nil, now); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "introduction.create", "introduction", in.ID, map[string]any{"listing_id": in.ListingID})
	})
}

func introLink(id int64) string { return "/introductions/" + strconv.FormatInt(id, 10) }

// Transition moves an introduction, checking within the transaction that
// the move is allowed from the stage it is in now and that the actor may
// make it, so that two people acting at once cannot both succeed.
//
// An acceptance passes the export-control gate again: an interest the gate
// holds now (its requester was flagged since) is put on hold, and the
// acceptance refused with the error of a held introduction.
func (db *DB) Transition(ctx context.Context, id int64, t kakehashi.Transition, actor *kakehashi.User) (*kakehashi.Introduction, error) {
	if t.To == kakehashi.StageIntroduced {
		if err := db.refreshScreener(ctx); err != nil {
			return nil, err
		}
	}
	var out *kakehashi.Introduction
	// held is the refusal of an acceptance the gate held; the hold itself
	// is committed.
	var held error
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		in, err := scanIntro(tx.QueryRowContext(ctx, `SELECT `+introColumns+` FROM introductions i WHERE i.id = $1`+db.forUpdate(), id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("introduction", id)
		}
		if err != nil {
			return fmt.Errorf("read introduction %d: %w", id, err)
		}
		if !kakehashi.CanSeeIntroduction(actor, in) {
			return notFound("introduction", id)
		}
		if !kakehashi.CanTransition(actor, in, t) {
			return kakehashi.Errorf(kakehashi.EFORBIDDEN, "only the listing's organization or a coordinator accepts or declines an interest")
		}
		if err := in.CheckTransition(t); err != nil {
			return err
		}
		if t.To == kakehashi.StageIntroduced {
			// Ask the gate again: the requester may have been flagged
			// since the interest was opened.
			hold, err := db.gate(ctx, tx, in)
			if err != nil {
				return err
			}
			if hold != "" {
				if err := db.holdTx(ctx, tx, id, hold, kakehashi.SystemActor("screening")); err != nil {
					return err
				}
				in.Hold = hold
				held = in.CheckTransition(t)
				return nil
			}
		}
		from := in.Stage
		now := db.now()
		in.Stage, in.StageChangedAt, in.UpdatedAt = t.To, now, now
		if t.To == kakehashi.StageClosed {
			in.Outcome, in.Reason, in.ReasonText = t.Outcome, t.Reason, strings.TrimSpace(t.ReasonText)
		}
		agreement := ""
		if in.Agreement != nil {
			agreement = jsonText(in.Agreement)
		}
		if t.Agreement != nil {
			in.Agreement = t.Agreement
			agreement = jsonText(t.Agreement)
		}
		_, err = tx.ExecContext(ctx, `UPDATE introductions SET stage = $1, outcome = $2, reason = $3, reason_text = $4, agreement = $5,
			stage_changed_at = $6, reminded_at = NULL, updated_at = $6 WHERE id = $7`,
			string(in.Stage), string(in.Outcome), string(in.Reason), in.ReasonText, agreement, now, id)
		if err != nil {
			return fmt.Errorf("update introduction %d: %w", id, err)
		}
		if err := db.stageEvent(ctx, tx, id, actor, from, t.To, t.Note, now); err != nil {
			return err
		}
		subject := fmt.Sprintf("Introduction %d moved from %s to %s", id, from, t.To)
		if in.Outcome == kakehashi.OutcomeDeclined {
			subject = fmt.Sprintf("Your interest %d was declined: %s", id, in.Reason)
		}
		if err := db.notifyParties(ctx, tx, in, actor.ID, "stage", subject, now); err != nil {
			return err
		}
		// Each side sees the move as it would see its stage event.
		transition := func(view *kakehashi.Introduction) map[string]any {
			e := kakehashi.RedactStageEvent(in, view, &kakehashi.StageEvent{ActorID: actor.ID}, actor)
			tr := map[string]any{"from": from, "to": t.To, "note": strings.TrimSpace(t.Note), "actor_id": e.ActorID}
			if e.ActorHidden {
				tr["actor_hidden"] = true
			}
			return map[string]any{"transition": tr}
		}
		if err := db.queueIntroWebhooks(ctx, tx, kakehashi.WebhookIntroductionTransition, in, transition, now); err != nil {
			return err
		}
		out = in
		return db.audit(ctx, tx, actor, "introduction.transition", "introduction", id, map[string]any{
			"from": from, "to": t.To, "outcome": in.Outcome, "reason": in.Reason})
	})
	if err == nil && held != nil {
		return nil, held
	}
	return out, err
}

// AssignCoordinator makes coordinatorID (a coordinator or admin) follow
// the introduction.
func (db *DB) AssignCoordinator(ctx context.Context, id, coordinatorID int64, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var role string
		err := tx.QueryRowContext(ctx, `SELECT platform_role FROM users WHERE id = $1 AND NOT disabled`, coordinatorID).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) || err == nil && role != string(kakehashi.PlatformCoordinator) && role != string(kakehashi.PlatformAdmin) {
			return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid assignment",
				Fields: []kakehashi.FieldError{{Field: "coordinator_id", Message: "must be an active coordinator or admin"}}}
		}
		if err != nil {
			return err
		}
		now := db.now()
		res, err := tx.ExecContext(ctx, `UPDATE introductions SET coordinator_id = $1, updated_at = $2 WHERE id = $3`, coordinatorID, now, id)
		if err != nil {
			return fmt.Errorf("assign coordinator: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("introduction", id)
		}
		if err := db.notify(ctx, tx, coordinatorID, "assigned", fmt.Sprintf("You follow introduction %d now", id), introLink(id), now); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "introduction.assign", "introduction", id, map[string]any{"coordinator_id": coordinatorID})
	})
}

func (db *DB) stageEvent(ctx context.Context, tx *sql.Tx, id int64, actor *kakehashi.User, from, to kakehashi.Stage, note string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO stage_events (introduction_id, actor_id, from_stage, to_stage, note, at) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, nullID(actor.ID), string(from), string(to), strings.TrimSpace(note), at)
	if err != nil {
		return fmt.Errorf("record stage event: %w", err)
	}
	return db.kpiIntroChanged(ctx, tx, id, at)
}

// StageEvents returns an introduction's history, oldest first.
func (db *DB) StageEvents(ctx context.Context, id int64) ([]*kakehashi.StageEvent, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, introduction_id, COALESCE(actor_id, 0), from_stage, to_stage, note, at FROM stage_events WHERE introduction_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("read stage events: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.StageEvent{}
	for rows.Next() {
		var e kakehashi.StageEvent
		if err := rows.Scan(&e.ID, &e.IntroductionID, &e.ActorID, &e.From, &e.To, &e.Note, &e.At); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		out = append(out, &e)
	}
	return out, rows.Err()
}

// Messages returns an introduction's thread, oldest first.
func (db *DB) Messages(ctx context.Context, id int64) ([]*kakehashi.Message, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, introduction_id, author_id, body, created_at FROM messages WHERE introduction_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("read messages: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Message{}
	for rows.Next() {
		var m kakehashi.Message
		if err := rows.Scan(&m.ID, &m.IntroductionID, &m.AuthorID, &m.Body, &m.CreatedAt); err != nil {
			return nil, err
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, &m)
	}
	return out, rows.Err()
}

// PostMessage adds a message to an introduction's thread and tells the
// other parties.
func (db *DB) PostMessage(ctx context.Context, m *kakehashi.Message, actor *kakehashi.User) error {
	m.Body = strings.TrimSpace(m.Body)
	if err := m.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		in, err := scanIntro(tx.QueryRowContext(ctx, `SELECT `+introColumns+` FROM introductions i WHERE i.id = $1`, m.IntroductionID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("introduction", m.IntroductionID)
		}
		if err != nil {
			return err
		}
		if !kakehashi.CanSeeIntroduction(actor, in) {
			return notFound("introduction", m.IntroductionID)
		}
		now := db.now()
		m.AuthorID, m.CreatedAt = actor.ID, now
		if err := tx.QueryRowContext(ctx, `INSERT INTO messages (introduction_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			m.IntroductionID, m.AuthorID, m.Body, now).Scan(&m.ID); err != nil {
			return fmt.Errorf("post message: %w", mapError(err))
		}
		if err := db.notifyParties(ctx, tx, in, actor.ID, "message", fmt.Sprintf("New message on introduction %d", in.ID), now); err != nil {
			return err
		}
		message := func(view *kakehashi.Introduction) map[string]any {
			return map[string]any{"message": kakehashi.RedactMessage(in, view, m, actor)}
		}
		if err := db.queueIntroWebhooks(ctx, tx, kakehashi.WebhookMessageCreated, in, message, now); err != nil {
			return err
		}
		return db.audit(ctx, tx, actor, "message.create", "introduction", in.ID, map[string]any{"message_id": m.ID})
	})
}

// RevealedListings returns the confidential listings whose owners accepted
// an introduction with user u's side.
func (db *DB) revealedListings(ctx context.Context, u *kakehashi.User) ([]int64, error) {
	q := `SELECT DISTINCT i.listing_id FROM introductions i JOIN listings l ON l.id = i.listing_id
		WHERE l.visibility = 'confidential' AND i.stage <> 'interest' AND i.outcome <> 'declined' AND (i.requester_id = $1`
	args := []any{u.ID}
	if u.OrgID != 0 {
		q += ` OR i.requester_org_id = $2`
		args = append(args, u.OrgID)
	}
	rows, err := db.db.QueryContext(ctx, q+`) ORDER BY i.listing_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read revealed listings: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// notifyUsers adds a notification to the inbox of every active user that
// cond selects (a condition on users whose arguments are numbered from $5),
// and queues it as an e-mail to each, within tx.
func (db *DB) notifyUsers(ctx context.Context, tx *sql.Tx, kind, subject, link string, at time.Time, cond string, args ...any) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, subject, link, created_at)
		SELECT id, $1, $2, $3, $4 FROM users WHERE NOT disabled AND (`+cond+`)`,
		append([]any{kind, subject, link, at}, args...)...); err != nil {
		return fmt.Errorf("notify %s: %w", kind, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (channel, recipient, subject, body, link, event, next_attempt_at, created_at)
		SELECT 'email', email, $2, $2, $3, $1, $4, $4 FROM users WHERE NOT disabled AND email <> '' AND (`+cond+`)`,
		append([]any{"notification." + kind, subject, link, at}, args...)...); err != nil {
		return fmt.Errorf("queue %s e-mail: %w", kind, err)
	}
	return nil
}

// notify tells one user.
func (db *DB) notify(ctx context.Context, tx *sql.Tx, userID int64, kind, subject, link string, at time.Time) error {
	return db.notifyUsers(ctx, tx, kind, subject, link, at, `id = $5`, userID)
}

// notifyOrg tells every active member of an organization.
func (db *DB) notifyOrg(ctx context.Context, tx *sql.Tx, orgID int64, kind, subject, link string, at time.Time) error {
	return db.notifyUsers(ctx, tx, kind, subject, link, at, `org_id = $5`, orgID)
}

// notifyParties tells every party of an introduction but the actor.
func (db *DB) notifyParties(ctx context.Context, tx *sql.Tx, in *kakehashi.Introduction, actorID int64, kind, subject string, at time.Time) error {
	return db.notifyUsers(ctx, tx, kind, subject, introLink(in.ID), at,
		`id <> $5 AND (id = $6 OR id = $7 OR org_id = $8 OR (org_id = $9 AND $9 <> 0))`,
		actorID, in.RequesterID, in.CoordinatorID, in.OwnerOrgID, in.RequesterOrgID)
}

// Notifications returns a user's inbox, newest first.
func (db *DB) Notifications(ctx context.Context, userID int64, unreadOnly bool, n int) ([]*kakehashi.Notification, error) {
	q := `SELECT id, user_id, kind, subject, link, created_at, read_at FROM notifications WHERE user_id = $1`
	if unreadOnly {
		q += ` AND read_at IS NULL`
	}
	rows, err := db.db.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit(n)), userID)
	if err != nil {
		return nil, fmt.Errorf("read notifications: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Notification{}
	for rows.Next() {
		var nt kakehashi.Notification
		var read sql.NullTime
		if err := rows.Scan(&nt.ID, &nt.UserID, &nt.Kind, &nt.Subject, &nt.Link, &nt.CreatedAt, &read); err != nil {
			return nil, err
		}
		nt.CreatedAt = nt.CreatedAt.UTC()
		if read.Valid {
			t := read.Time.UTC()
			nt.ReadAt = &t
		}
		out = append(out, &nt)
	}
	return out, rows.Err()
}

// MarkNotificationsRead marks a user's notifications read; ids empty means all.
func (db *DB) MarkNotificationsRead(ctx context.Context, userID int64, ids []int64) error {
	q := newQuery(`UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL`, db.now(), userID)
	if len(ids) > 0 {
		marks := make([]string, len(ids))
		args := make([]any, len(ids))
		for i, id := range ids {
			marks[i], args[i] = "?", id
		}
		q.where("id IN ("+strings.Join(marks, ",")+")", args...)
	}
	if _, err := db.db.ExecContext(ctx, q.sql, q.args...); err != nil {
		return fmt.Errorf("mark notifications read: %w", err)
	}
	return nil
}

// RemindStalled reminds the owner organization and the coordinator of each
// open introduction whose stage has not changed since before, once per
// stage, and returns how many it reminded.
func (db *DB) RemindStalled(ctx context.Context, before time.Time) (int, error) {
	stalled, err := db.Introductions(ctx, kakehashi.IntroductionFilter{StalledBefore: before, Limit: 1000})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, in := range stalled {
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE introductions SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL AND stage_changed_at < $3`,
				db.now(), in.ID, before.UTC())
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil // reminded already, or moved meanwhile
			}
			now := db.now()
			subject := fmt.Sprintf("Introduction %d has been at %s since %s: what is the next step?", in.ID, in.Stage, in.StageChangedAt.Format(time.DateOnly))
			if err := db.notifyOrg(ctx, tx, in.OwnerOrgID, "stalled", subject, introLink(in.ID), now); err != nil {
				return err
			}
			if in.CoordinatorID != 0 {
				if err := db.notify(ctx, tx, in.CoordinatorID, "stalled", subject, introLink(in.ID), now); err != nil {
					return err
				}
			}
			n++
			return db.audit(ctx, tx, kakehashi.SystemActor("follow-up"), "introduction.remind", "introduction", in.ID, nil)
		})
		if err != nil {
			return n, fmt.Errorf("remind introduction %d: %w", in.ID, err)
		}
	}
	return n, nil
}
