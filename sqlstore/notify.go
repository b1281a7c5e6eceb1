package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

// ClaimOutbox leases up to n messages (of channels, if any given) that are due at now and not leased
// by another deliverer. Each message is claimed by its own conditional
// UPDATE, which on both backends succeeds for exactly one of several
// deliverers racing for it (SQLite serializes writers; PostgreSQL rechecks
// the condition on the row after waiting for a concurrent update).
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, n int, channels ...string) ([]*kakehashi.OutboxMessage, error) {
	now = now.UTC().Truncate(time.Microsecond)
	q := newQuery(`SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
		AND (locked_until IS NULL OR locked_until < $1)`, now)
	if len(channels) > 0 {
		marks := make([]string, len(channels))
		args := make([]any, len(channels))
		for i, c := range channels {
			marks[i], args[i] = "?", c
		}
		q.where("channel IN ("+strings.Join(marks, ",")+")", args...)
	}
	rows, err := db.db.QueryContext(ctx, q.sql+` ORDER BY next_attempt_at, id LIMIT `+strconv.Itoa(limit(n)), q.args...)
	if err != nil {
		return nil, fmt.Errorf("read due outbox: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read due outbox: %w", err)
	}
	var out []*kakehashi.OutboxMessage
	for _, id := range ids {
		claim := newClaim()
		res, err := db.db.ExecContext(ctx, `UPDATE outbox SET locked_until = $1, claim = $2 WHERE id = $3
			AND sent_at IS NULL AND failed_at IS NULL AND (locked_until IS NULL OR locked_until < $4)`, now.Add(lease), claim, id, now)
		if err != nil {
			return out, fmt.Errorf("claim outbox %d: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			continue // another deliverer took it
		}
		m, err := db.outboxMessage(ctx, id)
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
	return out, nil
}

func newClaim() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (db *DB) outboxMessage(ctx context.Context, id int64) (*kakehashi.OutboxMessage, error) {
	var m kakehashi.OutboxMessage
	var hookID sql.NullInt64
	err := db.db.QueryRowContext(ctx, `SELECT id, channel, recipient, webhook_id, subject, body, link, payload, event, attempts, claim, created_at
		FROM outbox WHERE id = $1`, id).Scan(&m.ID, &m.Channel, &m.Recipient, &hookID, &m.Subject, &m.Body, &m.Link, &m.Payload, &m.Event,
		&m.Attempts, &m.Claim, &m.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("read outbox %d: %w", id, err)
	}
	m.CreatedAt = m.CreatedAt.UTC()
	if hookID.Valid {
		w, err := db.webhook(ctx, hookID.Int64)
		switch {
		case kakehashi.ErrorCode(err) == kakehashi.ENOTFOUND:
		case err != nil:
			return nil, err
		case w.Active:
			m.Webhook = w
		}
	}
	return &m, nil
}

// RecordAttempt logs an attempt at m and, if m's lease is still the one it
// was claimed under, marks it sent, failed for good, or due again.
func (db *DB) RecordAttempt(ctx context.Context, m *kakehashi.OutboxMessage, a kakehashi.OutboxAttempt) error {
	at := a.At.UTC().Truncate(time.Microsecond)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		switch {
		case a.OK:
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, sent_at = $1, locked_until = NULL, last_error = ''
				WHERE id = $2 AND claim = $3 AND sent_at IS NULL`, at, m.ID, m.Claim)
		case a.GiveUp:
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, failed_at = $1, locked_until = NULL, last_error = $2
				WHERE id = $3 AND claim = $4 AND sent_at IS NULL`, at, a.Detail, m.ID, m.Claim)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, locked_until = NULL, last_error = $2
				WHERE id = $3 AND claim = $4 AND sent_at IS NULL`, a.NextAttemptAt.UTC().Truncate(time.Microsecond), a.Detail, m.ID, m.Claim)
		}
		if err != nil {
			return fmt.Errorf("record outbox %d: %w", m.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (outbox_id, attempt, at, ok, status, detail) VALUES ($1, $2, $3, $4, $5, $6)`,
			m.ID, m.Attempts+1, at, a.OK, a.Status, a.Detail); err != nil {
			return fmt.Errorf("log delivery of outbox %d: %w", m.ID, err)
		}
		return nil
	})
}

// OutboxCounts counts the outbox's messages by state: pending, sent and
// failed.
func (db *DB) OutboxCounts(ctx context.Context) (map[string]int, error) {
	var pending, sent, failed int
	err := db.db.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0) FROM outbox`).Scan(&pending, &sent, &failed)
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	return map[string]int{"pending": pending, "sent": sent, "failed": failed}, nil
}

// Deliveries returns the logged attempts at one outbox message (outboxID
// != 0) or at one webhook's messages (webhookID != 0), newest first.
func (db *DB) Deliveries(ctx context.Context, outboxID, webhookID int64, n int) ([]*kakehashi.Delivery, error) {
	q := newQuery(`SELECT d.id, d.outbox_id, o.event, d.attempt, d.at, d.ok, d.status, d.detail FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE 1 = 1`)
	if outboxID != 0 {
		q.where("d.outbox_id = ?", outboxID)
	}
	if webhookID != 0 {
		q.where("o.webhook_id = ?", webhookID)
	}
	rows, err := db.db.QueryContext(ctx, q.sql+fmt.Sprintf(" ORDER BY d.id DESC LIMIT %d", limit(n)), q.args...)
	if err != nil {
		return nil, fmt.Errorf("read deliveries: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.Delivery{}
	for rows.Next() {
		var d kakehashi.Delivery
		if err := rows.Scan(&d.ID, &d.OutboxID, &d.Event, &d.Attempt, &d.At, &d.OK, &d.Status, &d.Detail); err != nil {
			return nil, err
		}
		d.At = d.At.UTC()
		out = append(out, &d)
	}
	return out, rows.Err()
}

// CreateWebhook validates and stores a webhook of w.OrgID with a new
// random secret, which it sets in w.
func (db *DB) CreateWebhook(ctx context.Context, w *kakehashi.Webhook, actor *kakehashi.User) error {
	w.URL = strings.TrimSpace(w.URL)
	if err := w.Validate(); err != nil {
		return err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("webhook secret: %w", err)
	}
	w.Secret, w.Active, w.CreatedAt = "whsec_"+hex.EncodeToString(b), true, db.now()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO webhooks (org_id, url, secret, events, active, created_by, created_at) VALUES ($1, $2, $3, $4, TRUE, $5, $6) RETURNING id`,
			w.OrgID, w.URL, w.Secret, jsonText(w.Events), nullID(actor.ID), w.CreatedAt).Scan(&w.ID)
		if err != nil {
			return fmt.Errorf("create webhook: %w", mapError(err))
		}
		return db.audit(ctx, tx, actor, "webhook.create", "webhook", w.ID, map[string]any{"org_id": w.OrgID, "url": w.URL, "events": w.Events})
	})
}

const webhookColumns = `id, org_id, url, secret, events, active, created_at`

func scanWebhook(s scanner) (*kakehashi.Webhook, error) {
	var w kakehashi.Webhook
	var events string
	if err := s.Scan(&w.ID, &w.OrgID, &w.URL, &w.Secret, &events, &w.Active, &w.CreatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return nil, fmt.Errorf("webhook %d events: %w", w.ID, err)
	}
	w.CreatedAt = w.CreatedAt.UTC()
	return &w, nil
}

// webhook returns a webhook, active or removed, with its secret.
func (db *DB) webhook(ctx context.Context, id int64) (*kakehashi.Webhook, error) {
	w, err := scanWebhook(db.db.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("webhook", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read webhook %d: %w", id, err)
	}
	return w, nil
}

// Webhook returns an active webhook of organization orgID, without its
// secret; a removed one or another organization's is not found.
func (db *DB) Webhook(ctx context.Context, orgID, id int64) (*kakehashi.Webhook, error) {
	w, err := db.webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	if w.OrgID != orgID || !w.Active {
		return nil, notFound("webhook", id)
	}
	w.Secret = ""
	return w, nil
}

// Webhooks lists an organization's active webhooks, without secrets.
func (db *DB) Webhooks(ctx context.Context, orgID int64) ([]*kakehashi.Webhook, error) {
	hooks, err := db.orgWebhooks(ctx, db.db, orgID)
	for _, w := range hooks {
		w.Secret = ""
	}
	return hooks, err
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) orgWebhooks(ctx context.Context, q querier, orgID int64) ([]*kakehashi.Webhook, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE org_id = $1 AND active ORDER BY id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("read webhooks of organization %d: %w", orgID, err)
	}
	defer rows.Close()
	out := []*kakehashi.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// DeleteWebhook removes a webhook of organization orgID. Its undelivered
// messages are given up when next claimed; its delivery log is kept.
func (db *DB) DeleteWebhook(ctx context.Context, orgID, id int64, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET active = FALSE WHERE id = $1 AND org_id = $2 AND active`, id, orgID)
		if err != nil {
			return fmt.Errorf("delete webhook %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("webhook", id)
		}
		return db.audit(ctx, tx, actor, "webhook.delete", "webhook", id, map[string]any{"org_id": orgID})
	})
}

// The outbox writers below run inside the transaction of the change they
// report, so that a message exists exactly when its change committed.

// queueIntroWebhooks queues event about introduction in for the webhooks of its owner's and its requester's
// organizations; extra adds the payload fields of one side, which sees the
// introduction as view. The requester's side sees the introduction
// as the API shows it to them: the owner of a confidential listing stays
// hidden until it accepts, and so do the people who speak for it
// (kakehashi.HidesPerson), the actor and the coordinator included.
func (db *DB) queueIntroWebhooks(ctx context.Context, tx *sql.Tx, event string, in *kakehashi.Introduction,
	extra func(view *kakehashi.Introduction) map[string]any, at time.Time) error {
	var vis string
	if err := tx.QueryRowContext(ctx, `SELECT visibility FROM listings WHERE id = $1`, in.ListingID).Scan(&vis); err != nil {
		return fmt.Errorf("read listing %d for webhooks: %w", in.ListingID, err)
	}
	type side struct {
		org  int64
		view *kakehashi.Introduction
	}
	sides := []side{{in.OwnerOrgID, in}}
	if in.RequesterOrgID != 0 && in.RequesterOrgID != in.OwnerOrgID {
		requester := &kakehashi.User{ID: in.RequesterID, OrgID: in.RequesterOrgID}
		view := kakehashi.RedactIntroduction(requester, in, vis == string(kakehashi.VisibilityConfidential))
		if view.OwnerHidden && view.CoordinatorID != 0 {
			coord, err := db.txUser(ctx, tx, view.CoordinatorID)
			if err != nil {
				return err
			}
			if kakehashi.HidesPerson(in, view, coord) {
				view.CoordinatorID = 0 // view is RedactIntroduction's copy
			}
		}
		sides = append(sides, side{in.RequesterOrgID, view})
	}
	for _, side := range sides {
		hooks, err := db.orgWebhooks(ctx, tx, side.org)
		if err != nil {
			return err
		}
		payload := map[string]any{"event": event, "at": at, "introduction": side.view}
		if extra != nil {
			for k, v := range extra(side.view) {
				payload[k] = v
			}
		}
		body := jsonText(payload)
		for _, w := range hooks {
			if !w.Subscribes(event) {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (channel, recipient, webhook_id, payload, event, next_attempt_at, created_at)
				VALUES ('webhook', $1, $2, $3, $4, $5, $5)`, strconv.FormatInt(w.ID, 10), w.ID, body, event, at); err != nil {
				return fmt.Errorf("queue webhook %d: %w", w.ID, err)
			}
		}
	}
	return nil
}

// txUser reads, within tx, what kakehashi.HidesPerson needs of user id:
// its organization and platform role; nil if the account is gone.
func (db *DB) txUser(ctx context.Context, tx *sql.Tx, id int64) (*kakehashi.User, error) {
	u := &kakehashi.User{ID: id}
	var org sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT org_id, platform_role FROM users WHERE id = $1`, id).Scan(&org, &u.PlatformRole)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read user %d: %w", id, err)
	}
	u.OrgID = org.Int64
	return u, nil
}
