// Package ical writes iCalendar (RFC 5545) files: the agenda of an event's
// participant as a calendar their own calendar program imports. It knows
// nothing of events or meetings, only of calendar entries, so both the JSON
// API and the pages encode the same way.
package ical

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// CalendarEvent is one VEVENT of an iCalendar file.
type CalendarEvent struct {
	UID         string
	Start, End  time.Time
	Summary     string
	Location    string
	Description string
}

// WriteCalendar writes an iCalendar (RFC 5545) file: CRLF line endings,
// times in UTC, text values escaped and lines folded at 75 octets. name is
// the calendar's name (X-WR-CALNAME), left out when empty; stamp is every
// event's DTSTAMP.
func WriteCalendar(w io.Writer, name string, stamp time.Time, events []CalendarEvent) error {
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)) }
	const layout = "20060102T150405Z"
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Kakehashi//Business matching//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	if name != "" {
		line("X-WR-CALNAME:" + escape(name))
	}
	for _, ev := range events {
		line("BEGIN:VEVENT")
		line("UID:" + escape(ev.UID))
		line("DTSTAMP:" + stamp.UTC().Format(layout))
		line("DTSTART:" + ev.Start.UTC().Format(layout))
		line("DTEND:" + ev.End.UTC().Format(layout))
		line("SUMMARY:" + escape(ev.Summary))
		if ev.Location != "" {
			line("LOCATION:" + escape(ev.Location))
		}
		if ev.Description != "" {
			line("DESCRIPTION:" + escape(ev.Description))
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write calendar: %w", err)
	}
	return nil
}

// escape escapes a TEXT value (RFC 5545 §3.3.11): backslash, comma,
// semicolon and newlines.
func escape(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.NewReplacer(`\`, `\\`, ",", `\,`, ";", `\;`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// fold ends a content line with CRLF, folding it (CRLF and a space) so
// that no line exceeds 75 octets, never inside a UTF-8 character
// (RFC 5545 §3.1).
func fold(s string) string {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}
