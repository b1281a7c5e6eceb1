package testwait

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

func TestUntilReturnsAsSoonAsTheConditionHolds(t *testing.T) {
	var calls atomic.Int64
	start := time.Now()
	if !Until(time.Minute, func() bool { return calls.Add(1) == 3 }) {
		t.Fatal("Until gave up on a condition that held")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Until took %s for a condition that held on the third check", d)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("cond checked %d times, want 3", n)
	}
}

func TestUntilGivesUpAtTheDeadline(t *testing.T) {
	var calls atomic.Int64
	start := time.Now()
	if Until(30*time.Millisecond, func() bool { calls.Add(1); return false }) {
		t.Fatal("Until reported a condition that never held")
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("Until gave up after %s, before its deadline", d)
	}
	if calls.Load() < 2 {
		t.Errorf("cond checked %d times: want a check at the start and at the deadline", calls.Load())
	}
}

func TestUntilChecksOnceWithNoTime(t *testing.T) {
	var calls atomic.Int64
	if Until(0, func() bool { calls.Add(1); return false }) || calls.Load() != 1 {
		t.Errorf("Until(0) = true or checked %d times", calls.Load())
	}
	if !Until(0, func() bool { return true }) {
		t.Error("Until(0) missed a condition that holds")
	}
}

// failRecorder is a testing.TB that records Fatalf instead of stopping.
type failRecorder struct {
	testing.TB
	msg string
}

func (f *failRecorder) Helper()                           {}
func (f *failRecorder) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func TestForNamesWhatDidNotHappen(t *testing.T) {
	r := &failRecorder{TB: t}
	For(r, 10*time.Millisecond, func() bool { return false }, "the follower's first catch-up")
	if want := "the follower's first catch-up did not happen within 10ms"; r.msg != want {
		t.Errorf("failure %q, want %q", r.msg, want)
	}
	r.msg = ""
	For(r, time.Second, func() bool { return true }, "anything")
	if r.msg != "" {
		t.Errorf("For failed on a condition that held: %q", r.msg)
	}
}
