// Package testwait lets a test wait for a condition, with a deadline,
// instead of sleeping for a time it guesses is long enough. The test goes
// on as soon as the condition holds, so it is neither slow on a fast
// machine nor flaky on a loaded one, and it fails with a message naming
// what did not happen.
//
// The deadline is measured on the wall clock: it bounds how long the test
// waits, and is no domain date (those come from internal/testclock).
package testwait

import (
	"testing"
	"time"
)

// The interval between two checks starts at firstPoll and doubles up to
// maxPoll, so that a condition that holds quickly is seen at once and one
// that takes a while is not checked in a busy loop.
const (
	firstPoll = time.Millisecond
	maxPoll   = 50 * time.Millisecond
)

// Until checks cond until it holds or within has passed, and reports
// whether it held. cond is checked at once, and last at the deadline (no
// wait is cut short by a long poll interval); within 0 checks it once.
func Until(within time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	poll := firstPoll
	for {
		if cond() {
			return true
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		time.Sleep(min(poll, left))
		poll = min(2*poll, maxPoll)
	}
}

// For waits until cond holds, for at most within, and otherwise stops the
// test with "<what> did not happen within <within>". what names the
// awaited event, such as "the follower's first catch-up".
func For(t testing.TB, within time.Duration, cond func() bool, what string) {
	t.Helper()
	if !Until(within, cond) {
		t.Fatalf("%s did not happen within %s", what, within)
	}
}
