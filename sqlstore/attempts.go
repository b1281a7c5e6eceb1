package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/kakehashi/kakehashi/auth"
)

var _ auth.Limiter = (*DB)(nil)

// TakeAttempt counts one sign-in attempt by key in one statement, an upsert,
// so that concurrent attempts on any replica are counted one after the
// other and no more than max pass. A key's window starts at its first
// attempt and ends window later; an attempt after that starts a new one.
// A refused attempt changes nothing: the count is of attempts allowed and
// not given back, and it says whether the attempt was counted by leaving
// the attempt's random mark in the row (taker) or not.
func (db *DB) TakeAttempt(ctx context.Context, key string, max int, window time.Duration) (bool, time.Duration, error) {
	now := db.now()
	mark := make([]byte, 12)
	rand.Read(mark) // never fails (crypto/rand panics instead)
	mine := hex.EncodeToString(mark)
	var taker string
	var ends time.Time
	err := db.db.QueryRowContext(ctx, `INSERT INTO sign_in_attempts (bucket, attempts, expires_at, taker) VALUES ($1, 1, $2, $5)
		ON CONFLICT (bucket) DO UPDATE SET
			attempts = CASE WHEN sign_in_attempts.expires_at <= $3 THEN 1
				WHEN sign_in_attempts.attempts < $4 THEN sign_in_attempts.attempts + 1
				ELSE sign_in_attempts.attempts END,
			taker = CASE WHEN sign_in_attempts.expires_at <= $3 OR sign_in_attempts.attempts < $4 THEN excluded.taker
				ELSE sign_in_attempts.taker END,
			expires_at = CASE WHEN sign_in_attempts.expires_at <= $3 THEN excluded.expires_at ELSE sign_in_attempts.expires_at END
		RETURNING taker, expires_at`, key, now.Add(window), now, max, mine).Scan(&taker, &ends)
	if err != nil {
		return false, 0, fmt.Errorf("count sign-in attempt: %w", err)
	}
	if taker != mine {
		// Another replica's clock may run ahead of this one's: never ask
		// to wait longer than a window.
		return false, min(ends.Sub(now), window), nil
	}
	return true, 0, nil
}

// RefundAttempt gives back one attempt of key.
func (db *DB) RefundAttempt(ctx context.Context, key string) error {
	_, err := db.db.ExecContext(ctx, `UPDATE sign_in_attempts SET attempts = attempts - 1 WHERE bucket = $1 AND attempts > 0`, key)
	if err != nil {
		return fmt.Errorf("refund sign-in attempt: %w", err)
	}
	return nil
}

// ResetAttempts forgets the attempts of key. It also sweeps the counts
// whose window has ended, as housekeeping: a successful sign-in is a rare
// enough moment for it, and a sweep that fails (a deadlock with another
// replica's sweep) only leaves the rows to the next one.
func (db *DB) ResetAttempts(ctx context.Context, key string) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM sign_in_attempts WHERE bucket = $1`, key); err != nil {
		return fmt.Errorf("reset sign-in attempts: %w", err)
	}
	_, _ = db.db.ExecContext(ctx, `DELETE FROM sign_in_attempts WHERE expires_at <= $1`, db.now())
	return nil
}
