package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kakehashi/kakehashi"
)

var _ kakehashi.UserService = (*DB)(nil)

const userColumns = `u.id, u.email, u.name, COALESCE(u.org_id, 0), u.org_role, u.platform_role, u.disabled, u.password_hash, u.created_at, u.updated_at`

func scanUser(s scanner) (*kakehashi.User, error) {
	var u kakehashi.User
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &u.OrgID, &u.OrgRole, &u.PlatformRole, &u.Disabled, &u.PasswordHash, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return &u, nil
}

func (db *DB) userWhere(ctx context.Context, cond string, arg any) (*kakehashi.User, error) {
	u, err := scanUser(db.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user", arg)
	}
	if err != nil {
		return nil, fmt.Errorf("read user %v: %w", arg, err)
	}
	return u, nil
}

// User returns the user with the given id.
func (db *DB) User(ctx context.Context, id int64) (*kakehashi.User, error) {
	return db.userWhere(ctx, "u.id = $1", id)
}

// UserByEmail returns the user who signs in with email (case-insensitive).
func (db *DB) UserByEmail(ctx context.Context, email string) (*kakehashi.User, error) {
	u := kakehashi.User{Email: email}
	u.Normalize()
	return db.userWhere(ctx, "u.email = $1", u.Email)
}

// Users lists users in id order.
func (db *DB) Users(ctx context.Context, f kakehashi.UserFilter) ([]*kakehashi.User, error) {
	q := newQuery(`SELECT `+userColumns+` FROM users u WHERE u.id > $1`, f.After)
	if f.OrgID != 0 {
		q.where("u.org_id = ?", f.OrgID)
	}
	q.sql += fmt.Sprintf(" ORDER BY u.id LIMIT %d", limit(f.Limit))
	rows, err := db.db.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// CreateUser validates and inserts u with its PasswordHash.
func (db *DB) CreateUser(ctx context.Context, u *kakehashi.User, actor *kakehashi.User) error {
	u.Normalize()
	if err := u.Validate(); err != nil {
		return err
	}
	now := db.now()
	u.CreatedAt, u.UpdatedAt = now, now
	return db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, org_id, org_role, platform_role, disabled, password_hash, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			u.Email, u.Name, nullID(u.OrgID), string(u.OrgRole), string(u.PlatformRole), u.Disabled, u.PasswordHash, now, now).Scan(&u.ID)
		if err != nil {
			err = mapError(err)
			if kakehashi.ErrorCode(err) == kakehashi.ECONFLICT {
				return &kakehashi.Error{Code: kakehashi.ECONFLICT, Message: "a user with this e-mail address exists", Fields: []kakehashi.FieldError{{Field: "email", Message: "is already registered"}}}
			}
			if kakehashi.ErrorCode(err) == kakehashi.EINVALID {
				return &kakehashi.Error{Code: kakehashi.EINVALID, Message: "invalid user", Fields: []kakehashi.FieldError{{Field: "org_id", Message: "no such organization"}}}
			}
			return fmt.Errorf("create user: %w", err)
		}
		return db.audit(ctx, tx, actor, "user.create", "user", u.ID, map[string]string{"email": u.Email, "platform_role": string(u.PlatformRole), "org_role": string(u.OrgRole)})
	})
}

// UpdateUser replaces the stored account u.ID, password hash included. When
// the user is disabled or their password changes, their sessions end.
func (db *DB) UpdateUser(ctx context.Context, u *kakehashi.User, actor *kakehashi.User) error {
	u.Normalize()
	if err := u.Validate(); err != nil {
		return err
	}
	now := db.now()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		prev, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, u.ID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("user", u.ID)
		}
		if err != nil {
			return fmt.Errorf("update user %d: %w", u.ID, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE users SET email = $1, name = $2, org_id = $3, org_role = $4, platform_role = $5, disabled = $6,
			password_hash = $7, updated_at = $8 WHERE id = $9`,
			u.Email, u.Name, nullID(u.OrgID), string(u.OrgRole), string(u.PlatformRole), u.Disabled, u.PasswordHash, now, u.ID)
		if err != nil {
			return fmt.Errorf("update user %d: %w", u.ID, mapError(err))
		}
		if u.Disabled || u.PasswordHash != prev.PasswordHash {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, u.ID); err != nil {
				return fmt.Errorf("end sessions of user %d: %w", u.ID, err)
			}
		}
		u.CreatedAt, u.UpdatedAt = prev.CreatedAt, now
		return db.audit(ctx, tx, actor, "user.update", "user", u.ID, map[string]any{
			"org_role": string(u.OrgRole), "platform_role": string(u.PlatformRole), "disabled": u.Disabled,
			"password_changed": u.PasswordHash != prev.PasswordHash,
		})
	})
}

// CreateSession stores a session under the hash of its cookie value.
func (db *DB) CreateSession(ctx context.Context, tokenHash []byte, s kakehashi.Session) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		// Expired sessions are swept on every sign-in, which keeps the table small without a timer.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, db.now()); err != nil {
			return fmt.Errorf("sweep sessions: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			tokenHash, s.UserID, s.CreatedAt.UTC(), s.ExpiresAt.UTC()); err != nil {
			return fmt.Errorf("create session: %w", mapError(err))
		}
		return db.auditAsUser(ctx, tx, s.UserID, "session.create")
	})
}

// auditAsUser records an action a user took on their own account, labelled
// with their e-mail address like every other audit event.
func (db *DB) auditAsUser(ctx context.Context, tx *sql.Tx, userID int64, action string) error {
	var email string
	if err := tx.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, userID).Scan(&email); err != nil {
		return fmt.Errorf("%s: read user %d: %w", action, userID, err)
	}
	return db.audit(ctx, tx, &kakehashi.User{ID: userID, Email: email}, action, "user", userID, nil)
}

// SessionUser returns the enabled user whose unexpired session has tokenHash.
func (db *DB) SessionUser(ctx context.Context, tokenHash []byte, now time.Time) (*kakehashi.User, error) {
	u, err := scanUser(db.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`, tokenHash, now.UTC()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kakehashi.Errorf(kakehashi.EUNAUTHORIZED, "session expired or unknown; sign in again")
	}
	if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	if u.Revealed, err = db.revealedListings(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// DeleteSession ends a session (signing out); an unknown session is no error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id`, tokenHash).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
		return db.auditAsUser(ctx, tx, userID, "session.delete")
	})
}

// CreateAPIToken stores a personal API token under its hash.
func (db *DB) CreateAPIToken(ctx context.Context, t *kakehashi.APIToken, tokenHash []byte, actor *kakehashi.User) error {
	if err := t.Validate(); err != nil {
		return err
	}
	t.CreatedAt = db.now()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			t.UserID, t.Name, tokenHash, t.CreatedAt).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("create API token: %w", mapError(err))
		}
		return db.audit(ctx, tx, actor, "api_token.create", "user", t.UserID, map[string]any{"token_id": t.ID, "name": t.Name})
	})
}

// APITokens lists a user's tokens (never their secrets).
func (db *DB) APITokens(ctx context.Context, userID int64) ([]*kakehashi.APIToken, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, user_id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.APIToken{}
	for rows.Next() {
		var t kakehashi.APIToken
		var used sql.NullTime
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &used); err != nil {
			return nil, err
		}
		t.CreatedAt = t.CreatedAt.UTC()
		if used.Valid {
			u := used.Time.UTC()
			t.LastUsedAt = &u
		}
		out = append(out, &t)
	}
	return out, rows.Err()
}

// DeleteAPIToken revokes token tokenID of user userID.
func (db *DB) DeleteAPIToken(ctx context.Context, userID, tokenID int64, actor *kakehashi.User) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, tokenID, userID)
		if err != nil {
			return fmt.Errorf("delete API token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("API token", tokenID)
		}
		return db.audit(ctx, tx, actor, "api_token.delete", "user", userID, map[string]any{"token_id": tokenID})
	})
}

// TokenUser returns the enabled user owning the API token with tokenHash and
// notes when the token was last used.
func (db *DB) TokenUser(ctx context.Context, tokenHash []byte, now time.Time) (*kakehashi.User, error) {
	u, err := scanUser(db.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND NOT u.disabled`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kakehashi.Errorf(kakehashi.EUNAUTHORIZED, "unknown or revoked API token")
	}
	if err != nil {
		return nil, fmt.Errorf("read API token: %w", err)
	}
	// Recording last use is best effort and at most once a minute per token,
	// so that read traffic does not become write traffic.
	_, _ = db.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND (last_used_at IS NULL OR last_used_at < $3)`,
		now.UTC(), tokenHash, now.UTC().Add(-time.Minute))
	if u.Revealed, err = db.revealedListings(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

// AuditEvents returns audit events, newest first.
func (db *DB) AuditEvents(ctx context.Context, f kakehashi.AuditFilter) ([]*kakehashi.AuditEvent, error) {
	q := newQuery(`SELECT id, COALESCE(actor_id, 0), actor, action, record_type, record_id, at, details FROM audit_events WHERE 1 = 1`)
	if f.Before > 0 {
		q.where("id < ?", f.Before)
	}
	if f.RecordType != "" {
		q.where("record_type = ?", f.RecordType)
	}
	if f.RecordID != 0 {
		q.where("record_id = ?", f.RecordID)
	}
	if f.ActorID != 0 {
		q.where("actor_id = ?", f.ActorID)
	}
	q.sql += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit(f.Limit))
	rows, err := db.db.QueryContext(ctx, q.sql, q.args...)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	out := []*kakehashi.AuditEvent{}
	for rows.Next() {
		var e kakehashi.AuditEvent
		var details string
		if err := rows.Scan(&e.ID, &e.ActorID, &e.Actor, &e.Action, &e.RecordType, &e.RecordID, &e.At, &details); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		if details != "" {
			e.Details = []byte(details)
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}
