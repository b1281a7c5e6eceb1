// Package icaltest checks iCalendar bodies in tests: the encoder's own
// tests and those of every route that serves a calendar use the same check.
package icaltest

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Unfold splits an iCalendar body into its content lines, undoing the
// folding; it keeps only what CRLF ends.
func Unfold(body string) []string {
	return strings.Split(strings.TrimSuffix(strings.ReplaceAll(body, "\r\n ", ""), "\r\n"), "\r\n")
}

// CheckFraming reports, as errors of t, what breaks RFC 5545 framing in
// body: lines not ended by CRLF, lines over 75 octets or not valid UTF-8,
// and a body that is not one VCALENDAR with VERSION and PRODID.
func CheckFraming(t testing.TB, body string) {
	t.Helper()
	if !strings.HasSuffix(body, "\r\n") || strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\r") {
		t.Errorf("not CRLF-terminated lines: %q", body)
	}
	for _, l := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Errorf("line of %d octets (valid UTF-8: %v): %q", len(l), utf8.ValidString(l), l)
		}
	}
	lines := Unfold(body)
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" || !slices.Contains(lines, "VERSION:2.0") ||
		!slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "PRODID:") }) {
		t.Errorf("no VCALENDAR with VERSION and PRODID: %q", lines)
	}
}
