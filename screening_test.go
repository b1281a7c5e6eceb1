package kakehashi

import "testing"

func TestGateHold(t *testing.T) {
	jp, cn := &Organization{ID: 1, Country: "JP"}, &Organization{ID: 2, Country: "CN"}
	controlled, plain := &Listing{Controlled: true}, &Listing{}
	clear := &ScreeningResult{Status: ScreeningClear}
	match := &ScreeningResult{Status: ScreeningPotentialMatch}
	cleared := &ScreeningResult{Status: ScreeningPotentialMatch, Decision: DecisionCleared}
	blocked := &ScreeningResult{Status: ScreeningPotentialMatch, Decision: DecisionBlocked}
	cases := []struct {
		name             string
		l                *Listing
		owner, requester *Organization
		r                *ScreeningResult
		current, all     bool
		want             string
	}{
		{"cross-border, controlled, clear", controlled, jp, cn, clear, true, false, ""},
		{"cross-border, controlled, match", controlled, jp, cn, match, true, false, HoldScreening},
		{"cross-border, controlled, never screened", controlled, jp, cn, nil, false, false, HoldScreening},
		{"cross-border, controlled, stale clear", controlled, jp, cn, clear, false, false, HoldScreening},
		{"same country, controlled, match", controlled, jp, &Organization{ID: 3, Country: "JP"}, match, true, false, HoldScreening},
		{"same country, controlled, blocked, stale", controlled, jp, &Organization{ID: 3, Country: "JP"}, blocked, false, false, HoldScreening},
		{"same country, controlled, cleared", controlled, jp, &Organization{ID: 3, Country: "JP"}, cleared, true, false, ""},
		{"same country, controlled, never screened", controlled, jp, &Organization{ID: 3, Country: "JP"}, nil, false, false, ""},
		{"cross-border, plain, match", plain, jp, cn, match, true, false, ""},
		{"cross-border, plain, match, screen all", plain, jp, cn, match, true, true, HoldScreening},
		{"same country, plain, match, screen all", plain, jp, &Organization{ID: 3, Country: "JP"}, match, true, true, ""},
		{"no requester organization", controlled, jp, nil, nil, false, true, ""},
	}
	for _, c := range cases {
		if got := GateHold(c.l, c.owner, c.requester, c.r, c.current, c.all); got != c.want {
			t.Errorf("%s: hold %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCheckScreenedChange(t *testing.T) {
	orgAdmin := &User{ID: 2, OrgID: 10, OrgRole: RoleOrgAdmin}
	coordinator := &User{ID: 3, PlatformRole: PlatformCoordinator}
	clear := &ScreeningResult{Status: ScreeningClear}
	match := &ScreeningResult{Status: ScreeningPotentialMatch}
	cleared := &ScreeningResult{Status: ScreeningPotentialMatch, Decision: DecisionCleared}
	cases := []struct {
		name    string
		actor   *User
		changed []string
		r       *ScreeningResult
		field   string // "" when allowed
	}{
		{"org admin moves a screened organization", orgAdmin, []string{"country"}, clear, "country"},
		{"org admin moves an unscreened organization", orgAdmin, []string{"country"}, nil, ""},
		{"coordinator moves a flagged organization", coordinator, []string{"country", "name"}, match, ""},
		{"org admin renames a clear organization", orgAdmin, []string{"name", "aliases"}, clear, ""},
		{"org admin renames a cleared organization", orgAdmin, []string{"name"}, cleared, ""},
		{"org admin renames a flagged organization", orgAdmin, []string{"local_name"}, match, "local_name"},
		{"org admin changes a flagged organization's kind", orgAdmin, []string{"kind"}, match, ""},
	}
	for _, c := range cases {
		err := CheckScreenedChange(c.actor, c.changed, c.r)
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.field != "" && (ErrorCode(err) != EFORBIDDEN || len(FieldErrors(err)) == 0 || FieldErrors(err)[0].Field != c.field):
			t.Errorf("%s: %v, want EFORBIDDEN on %s", c.name, err, c.field)
		}
	}
}

func TestScreenedFields(t *testing.T) {
	old := &Organization{Name: "A", LocalName: "エー", Aliases: []string{"a"}, Kind: OrgCompany, Country: "CN", Description: "x"}
	same := *old
	same.Description = "y"
	if f := ScreenedFields(old, &same); len(f) != 0 {
		t.Errorf("a description change counts as screened: %v", f)
	}
	moved := *old
	moved.Country, moved.Aliases, moved.Kind = "JP", []string{"b"}, OrgSME
	if f := ScreenedFields(old, &moved); len(f) != 3 || f[0] != "aliases" || f[1] != "kind" || f[2] != "country" {
		t.Errorf("changed %v, want aliases, kind, country", f)
	}
}
