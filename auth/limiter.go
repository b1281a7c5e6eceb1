package auth

import (
	"context"
	"time"
)

// Limiter bounds sign-in attempts per key (a client address, an account)
// within a fixed window that starts at the key's first attempt.
//
// TakeAttempt counts and checks in one atomic step: were the check made
// before the count, concurrent attempts would all pass it together. The
// database store implements Limiter, so that every replica on one database
// shares the counts.
type Limiter interface {
	// TakeAttempt counts one attempt by key and reports whether it is among
	// the first max of the key's current window; if not, wait says how long
	// until that window ends. Refused attempts do not extend the window.
	TakeAttempt(ctx context.Context, key string, max int, window time.Duration) (ok bool, wait time.Duration, err error)
	// RefundAttempt gives back one attempt of key that TakeAttempt allowed,
	// for an attempt that turned out not to be a failure.
	RefundAttempt(ctx context.Context, key string) error
	// ResetAttempts forgets the attempts of key.
	ResetAttempts(ctx context.Context, key string) error
}
