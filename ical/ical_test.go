package ical_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi/ical"
	"github.com/kakehashi/kakehashi/ical/icaltest"
)

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
	icaltest.CheckFraming(t, body)
	lines := icaltest.Unfold(body)
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
