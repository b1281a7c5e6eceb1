// Package testclock gives tests the one clock they hand to every layer (the
// store, the search engine, the API, the pages, the background jobs), so
// that a test never mixes a fixed "now" in one layer with the wall clock in
// another.
//
// Every clock it makes follows the wall clock moved by
// KAKEHASHI_TEST_CLOCK_SHIFT (a Go duration such as 8760h or -8760h, or
// +1y / -1y), so that CI can run the time-dependent suites a year ahead and
// a year behind and catch a test that depends on today's date.
package testclock

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// ShiftVar names the environment variable that moves every test clock.
const ShiftVar = "KAKEHASHI_TEST_CLOCK_SHIFT"

// Shift returns how far the test clocks are moved from the wall clock; it
// panics on a malformed value, which is a mistake in the test command.
func Shift() time.Duration {
	d, err := parseShift(os.Getenv(ShiftVar))
	if err != nil {
		panic(err)
	}
	return d
}

func parseShift(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "":
		return 0, nil
	case "+1y", "1y":
		return 365 * 24 * time.Hour, nil
	case "-1y":
		return -365 * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: want a Go duration such as 8760h, or +1y/-1y: %w", ShiftVar, s, err)
	}
	return d, nil
}

// Now is the wall clock moved by Shift: the clock for tests that let time run.
func Now() time.Time { return time.Now().Add(Shift()) }

// Clock is a clock that stands still until the test moves it. It starts at
// the (shifted) current time, so that dates derived from it are never a
// fixed calendar day.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a Clock standing at the shifted current time.
func New() *Clock { return &Clock{t: Now()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock forward by d (back, when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
