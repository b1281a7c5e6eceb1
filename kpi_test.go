package kakehashi

import (
	"testing"
	"time"
)

func TestKPIMonths(t *testing.T) {
	now := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	utc := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		from, to string
		want     [2]time.Time
		field    string
	}{
		{"2025-04", "2026-03", [2]time.Time{utc(2025, 4), utc(2026, 4)}, ""}, // a Japanese fiscal year
		{"", "", [2]time.Time{utc(2025, 12), utc(2026, 12)}, ""},
		{"2026-11", "", [2]time.Time{utc(2026, 11), utc(2026, 12)}, ""},
		{"", "2026-03", [2]time.Time{utc(2025, 4), utc(2026, 4)}, ""},
		{"2026-01-31", "", [2]time.Time{}, "from"},
		{"", "2026-13", [2]time.Time{}, "to"},
		{"2026-5", "", [2]time.Time{}, "from"},
		{"2026-05", "2026-04", [2]time.Time{}, "from"},
	} {
		from, to, err := KPIMonths(c.from, c.to, now)
		if c.field != "" {
			if fe := FieldErrors(err); ErrorCode(err) != EINVALID || len(fe) != 1 || fe[0].Field != c.field {
				t.Errorf("KPIMonths(%q, %q) = %v, want a problem with %s", c.from, c.to, err, c.field)
			}
			continue
		}
		if err != nil || !from.Equal(c.want[0]) || !to.Equal(c.want[1]) {
			t.Errorf("KPIMonths(%q, %q) = %v, %v, %v, want %v", c.from, c.to, from, to, err, c.want)
		}
		if err := (KPIFilter{From: from, To: to}).Validate(); err != nil {
			t.Errorf("a parsed range does not validate: %v", err)
		}
	}
	if err := (KPIFilter{From: utc(2026, 1).Add(time.Hour), To: utc(2026, 2)}).Validate(); ErrorCode(err) != EINVALID {
		t.Errorf("a range not on month starts validates: %v", err)
	}
}
