package kakehashi

import "testing"

func TestCanWriteUser(t *testing.T) {
	admin := &User{ID: 1, PlatformRole: PlatformAdmin}
	orgAdmin := &User{ID: 2, OrgID: 10, OrgRole: RoleOrgAdmin}
	member := &User{ID: 3, OrgID: 10, OrgRole: RoleMember}
	staffInOrg := &User{ID: 4, OrgID: 10, OrgRole: RoleMember, PlatformRole: PlatformCoordinator}
	with := func(u *User, change func(*User)) *User { c := *u; change(&c); return &c }
	cases := []struct {
		name              string
		actor, prev, next *User
		want              bool
	}{
		{"admin does anything", admin, staffInOrg, with(staffInOrg, func(u *User) { u.PlatformRole = "" }), true},
		{"org admin renames a member", orgAdmin, member, with(member, func(u *User) { u.Name = "x" }), true},
		{"org admin creates a member", orgAdmin, nil, &User{OrgID: 10, OrgRole: RoleMember}, true},
		{"org admin creates in another org", orgAdmin, nil, &User{OrgID: 11, OrgRole: RoleMember}, false},
		{"org admin grants a platform role", orgAdmin, member, with(member, func(u *User) { u.PlatformRole = PlatformAdmin }), false},
		{"org admin changes staff in the org", orgAdmin, staffInOrg, with(staffInOrg, func(u *User) { u.PasswordHash = "mine" }), false},
		{"org admin disables staff in the org", orgAdmin, staffInOrg, with(staffInOrg, func(u *User) { u.Disabled = true }), false},
		{"org admin moves a member out", orgAdmin, member, with(member, func(u *User) { u.OrgID = 11 }), false},
		{"member renames self", member, member, with(member, func(u *User) { u.Name = "me" }), true},
		{"member promotes self", member, member, with(member, func(u *User) { u.OrgRole = RoleOrgAdmin }), false},
		{"staff renames self", staffInOrg, staffInOrg, with(staffInOrg, func(u *User) { u.Name = "me" }), true},
		{"anonymous", nil, member, member, false},
	}
	for _, c := range cases {
		if got := CanWriteUser(c.actor, c.prev, c.next); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
