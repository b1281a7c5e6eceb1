package testclock

import (
	"testing"
	"time"
)

func TestParseShift(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"": 0, "+1y": 365 * 24 * time.Hour, "-1y": -365 * 24 * time.Hour, "-8760h": -8760 * time.Hour, "90m": 90 * time.Minute,
	} {
		got, err := parseShift(in)
		if err != nil || got != want {
			t.Errorf("parseShift(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseShift("next year"); err == nil {
		t.Error("parseShift accepted a malformed shift")
	}
}

func TestClockMoves(t *testing.T) {
	t.Setenv(ShiftVar, "-1y")
	c := New()
	if d := time.Since(c.Now()); d < 364*24*time.Hour || d > 366*24*time.Hour {
		t.Fatalf("a clock shifted by -1y is %v behind the wall clock", d)
	}
	start := c.Now()
	c.Advance(time.Hour)
	if got := c.Now().Sub(start); got != time.Hour {
		t.Fatalf("Advance(1h) moved the clock by %v", got)
	}
}
