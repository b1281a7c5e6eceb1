// Package notify delivers Kakehashi's outgoing notifications: e-mail through
// an SMTP relay and webhooks signed with HMAC-SHA256. Both wait in the
// store's outbox, written in the same transaction as the change they
// report, so that nothing is lost while a relay or a receiver is down; a
// Deliverer claims due messages under a lease (so that two replicas never
// send one message twice), sends them, retries failures with exponential
// back-off, and logs every attempt.
//
// The types it exchanges with the store (kakehashi.OutboxMessage,
// kakehashi.Webhook, kakehashi.Delivery, kakehashi.Alert) live in the root
// package; sqlstore implements Store.
package notify

import (
	"context"
	"time"

	"github.com/kakehashi/kakehashi"
)

// Store is the outbox as a Deliverer uses it.
type Store interface {
	// ClaimOutbox leases up to n messages of the given channels due at now
	// for lease, so that no other deliverer takes them meanwhile.
	ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, n int, channels ...string) ([]*kakehashi.OutboxMessage, error)
	// RecordAttempt logs an attempt at m and, if m's lease is still held,
	// marks it sent, failed or due again.
	RecordAttempt(ctx context.Context, m *kakehashi.OutboxMessage, a kakehashi.OutboxAttempt) error
}
