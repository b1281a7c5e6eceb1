package ical_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kakehashi/kakehashi/ical"
)

// unfold splits an iCalendar body into its content lines, undoing the
// folding; it keeps only what CRLF ends.
func unfold(body string) []string {
	return strings.Split(strings.TrimSuffix(strings.ReplaceAll(body, "\r\n ", ""), "\r\n"), "\r\n")
}

// checkFraming checks the framing of an iCalendar body: CRLF line endings
// only, no line over 75 octets, valid UTF-8 on every physical line.
func checkFraming(t *testing.T, body string) {
	t.Helper()
	if !strings.HasSuffix(body, "\r\n") || strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") || strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\r") {
		t.Errorf("not CRLF-terminated lines: %q", body)
	}
	for _, l := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(l) > 75 || !utf8.ValidString(l) {
			t.Errorf("line of %d octets (valid UTF-8: %v): %q", len(l), utf8.ValidString(l), l)
		}
	}
	lines := unfold(body)
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" || !slices.Contains(lines, "VERSION:2.0") ||
		!slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "PRODID:") }) {
		t.Errorf("no VCALENDAR with VERSION and PRODID: %q", lines)
	}
}

func TestWriteCalendar(t *testing.T) {
	start := time.Date(2027, 2, 3, 0, 30, 0, 0, time.UTC)
	long := strings.Repeat("全固体電池の共同研究について、", 8) + `a\b; c, d` + "\nnext line"
	var b bytes.Buffer
	err := ical.WriteCalendar(&b, "Fair; 2027", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), []ical.CalendarEvent{
		{UID: "meeting-7@kakehashi", Start: start, End: start.Add(30 * time.Minute), Summary: "Meeting", Location: "Table 1, Hall A", Description: long},
	})
	if err != nil {
		t.Fatal(err)
	}
	body := b.String()
	checkFraming(t, body)
	lines := unfold(body)
	for _, want := range []string{"UID:meeting-7@kakehashi", "DTSTAMP:20270101T000000Z", "DTSTART:20270203T003000Z", "DTEND:20270203T010000Z",
		`LOCATION:Table 1\, Hall A`, `X-WR-CALNAME:Fair\; 2027`, "BEGIN:VEVENT", "END:VEVENT",
		"DESCRIPTION:" + strings.Repeat(`全固体電池の共同研究について、`, 8) + `a\\b\; c\, d\nnext line`} {
		if !slices.Contains(lines, want) {
			t.Errorf("no line %q in %q", want, lines)
		}
	}
	if !strings.Contains(body, "\r\n ") {
		t.Error("the long description was not folded")
	}
}
