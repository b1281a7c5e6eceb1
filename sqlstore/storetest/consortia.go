package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// consortiumTests are the conformance tests of consortia and funding calls.
var consortiumTests = []struct {
	name string
	fn   func(*testing.T, NewDSN)
}{
	{"ConsortiumMembershipFlow", testConsortiumMembershipFlow},
	{"ConsortiumConflictsAndDates", testConsortiumConflictsAndDates},
	{"ConsortiumVisibility", testConsortiumVisibility},
	{"FundingCallsAndEligibility", testFundingCallsAndEligibility},
	{"ConsortiumKPIs", testConsortiumKPIs},
}

// Consortium returns a valid public consortium led by leadOrgID from
// 2027-04-01 to 2030-03-31.
func Consortium(leadOrgID int64) *kakehashi.Consortium {
	return &kakehashi.Consortium{
		LeadOrgID: leadOrgID, Title: "Solid-state batteries for cold climates", TitleJA: "寒冷地向け全固体電池コンソーシアム",
		Description: "A non-competitive research consortium on sulfide electrolytes that keep their capacity at -20 °C.",
		Fields:      []string{"2.5"}, Keywords: []string{"solid-state battery", "electrolyte"},
		Start: time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2030, 3, 31, 0, 0, 0, 0, time.UTC), Public: true,
	}
}

// FundingCall returns a valid funding call of funder orgID closing at
// deadline: for universities and companies in JP, with a company's
// matching contribution.
func FundingCall(orgID int64, deadline time.Time) *kakehashi.FundingCall {
	return &kakehashi.FundingCall{
		OrgID: orgID, Programme: "Battery materials bridging grant", ProgrammeJA: "電池材料橋渡し助成",
		Description:   "Funds joint research on solid electrolytes and battery materials between universities and companies.",
		EligibleKinds: []kakehashi.OrgKind{kakehashi.OrgUniversity, kakehashi.OrgCompany}, EligibleCountries: []string{"JP"},
		AmountMin: 10_000_000, AmountMax: 50_000_000, Currency: "JPY", Deadline: deadline, MatchingRequired: true,
		Fields: []string{"2.5"}, Keywords: []string{"solid electrolyte", "全固体電池"},
	}
}

// consortiumWorld is a consortium of a JP university, with a GB company
// and a US university outside it, each with an admin and a member.
type consortiumWorld struct {
	db                  *sqlstore.DB
	lead, company, out  *kakehashi.Organization
	leadAdmin, leadUser *kakehashi.User
	companyAdmin        *kakehashi.User
	companyUser         *kakehashi.User
	outAdmin            *kakehashi.User
	staff               *kakehashi.User
	c                   *kakehashi.Consortium
}

func newConsortiumWorld(t *testing.T, newDSN NewDSN) *consortiumWorld {
	t.Helper()
	ctx := context.Background()
	w := &consortiumWorld{db: Open(t, newDSN)}
	w.lead = mustOrg(t, w.db, "lead", "JP")
	co := Org("company", "GB")
	co.Kind = kakehashi.OrgCompany
	if err := w.db.CreateOrganization(ctx, co, admin()); err != nil {
		t.Fatal(err)
	}
	w.company = co
	w.out = mustOrg(t, w.db, "outsider", "US")
	user := func(email string, org int64, role kakehashi.OrgRole, pr kakehashi.PlatformRole) *kakehashi.User {
		u := &kakehashi.User{Email: email, Name: email, OrgID: org, OrgRole: role, PlatformRole: pr}
		if err := w.db.CreateUser(ctx, u, admin()); err != nil {
			t.Fatal(err)
		}
		return u
	}
	w.leadAdmin = user("admin@lead.example", w.lead.ID, kakehashi.RoleOrgAdmin, "")
	w.leadUser = user("member@lead.example", w.lead.ID, kakehashi.RoleMember, "")
	w.companyAdmin = user("admin@company.example", w.company.ID, kakehashi.RoleOrgAdmin, "")
	w.companyUser = user("member@company.example", w.company.ID, kakehashi.RoleMember, "")
	w.outAdmin = user("admin@outsider.example", w.out.ID, kakehashi.RoleOrgAdmin, "")
	w.staff = user("coordinator@example.org", 0, "", kakehashi.PlatformCoordinator)
	w.c = Consortium(w.lead.ID)
	if err := w.db.CreateConsortium(ctx, w.c, w.leadAdmin); err != nil {
		t.Fatalf("create consortium: %v", err)
	}
	return w
}

func wantCodeOf(t *testing.T, what string, err error, code string) {
	t.Helper()
	if kakehashi.ErrorCode(err) != code {
		t.Fatalf("%s: got %v (%s), want %s", what, err, kakehashi.ErrorCode(err), code)
	}
}

func wantFieldOf(t *testing.T, what string, err error, field string) {
	t.Helper()
	wantCodeOf(t, what, err, kakehashi.EINVALID)
	for _, f := range kakehashi.FieldErrors(err) {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("%s: error %v does not name field %s", what, err, field)
}

func testConsortiumMembershipFlow(t *testing.T, newDSN NewDSN) {
	ctx := context.Background()
	w := newConsortiumWorld(t, newDSN)
	db := w.db
	members, err := db.Members(ctx, w.c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 1 || members[0].OrgID != w.lead.ID || members[0].Role != kakehashi.MemberLead || members[0].Status != kakehashi.MembershipActive {
		t.Fatalf("members after create: %+v", members)
	}
	// Only an admin of the joining organization asks.
	err = db.RequestMembership(ctx, &kakehashi.Membership{ConsortiumID: w.c.ID, OrgID: w.company.ID, Role: kakehashi.MemberMember}, w.companyUser)
	wantCodeOf(t, "request by a plain member", err, kakehashi.EFORBIDDEN)
	m := &kakehashi.Membership{ConsortiumID: w.c.ID, OrgID: w.company.ID, Role: kakehashi.MemberMember, Message: "We build cells."}
	if err := db.RequestMembership(ctx, m, w.companyAdmin); err != nil {
		t.Fatal(err)
	}
	if got := subjects(t, db, w.leadAdmin); !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "asks to join") }) {
		t.Errorf("lead admin's inbox: %v", got)
	}
	if got := subjects(t, db, w.leadUser); len(got) != 0 {
		t.Errorf("a plain member of the lead was told: %v", got)
	}
	// Pending: a second request is a conflict naming the organization.
	err = db.RequestMembership(ctx, &kakehashi.Membership{ConsortiumID: w.c.ID, OrgID: w.company.ID, Role: kakehashi.MemberMember}, w.companyAdmin)
	wantCodeOf(t, "second request", err, kakehashi.ECONFLICT)
	if !strings.Contains(err.Error(), w.company.Name) {
		t.Errorf("conflict does not name the organization: %v", err)
	}
	// A pending organization is no member: it owns no task.
	task := &kakehashi.Task{ConsortiumID: w.c.ID, Title: "Cell prototypes", OwnerOrgID: w.company.ID,
		Start: time.Date(2027, 5, 1, 0, 0, 0, 0, time.UTC), Due: time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)}
	wantFieldOf(t, "task of a pending member", db.CreateTask(ctx, task, w.leadAdmin), "owner_org_id")
	// Neither the requester nor a plain member of the lead decides.
	_, err = db.DecideMembership(ctx, w.c.ID, w.company.ID, true, w.companyAdmin)
	wantCodeOf(t, "self-approval", err, kakehashi.EFORBIDDEN)
	_, err = db.DecideMembership(ctx, w.c.ID, w.company.ID, true, w.leadUser)
	wantCodeOf(t, "approval by a plain member", err, kakehashi.EFORBIDDEN)
	got, err := db.DecideMembership(ctx, w.c.ID, w.company.ID, true, w.leadAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != kakehashi.MembershipActive || got.JoinedAt == nil || got.DecidedBy != w.leadAdmin.ID {
		t.Errorf("approved membership: %+v", got)
	}
	if inb := subjects(t, db, w.companyAdmin); !slices.ContainsFunc(inb, func(s string) bool { return strings.Contains(s, "was approved") }) {
		t.Errorf("company admin's inbox: %v", inb)
	}
	_, err = db.DecideMembership(ctx, w.c.ID, w.company.ID, false, w.leadAdmin)
	wantCodeOf(t, "deciding twice", err, kakehashi.ECONFLICT)
	// Now a member: tasks and shared listings.
	if err := db.CreateTask(ctx, task, w.leadAdmin); err != nil {
		t.Fatal(err)
	}
	if task.Status != kakehashi.TaskPlanned {
		t.Errorf("default status %q", task.Status)
	}
	task.Status = kakehashi.TaskActive
	if err := db.UpdateTask(ctx, task, w.staff); err != nil {
		t.Fatal(err)
	}
	tasks, err := db.Tasks(ctx, w.c.ID)
	if err != nil || len(tasks) != 1 || tasks[0].Status != kakehashi.TaskActive || !tasks[0].Start.Equal(task.Start) {
		t.Fatalf("tasks: %+v, %v", tasks, err)
	}
	seed := mustListing(t, db, Listing(w.company.ID, "consortium-seed"))
	if err := db.ShareListing(ctx, w.c.ID, seed.ID, w.companyAdmin); kakehashi.ErrorCode(err) != kakehashi.EFORBIDDEN {
		t.Errorf("share by a non-lead: %v", err)
	}
	if err := db.ShareListing(ctx, w.c.ID, seed.ID, w.leadAdmin); err != nil {
		t.Fatal(err)
	}
	wantCodeOf(t, "share twice", db.ShareListing(ctx, w.c.ID, seed.ID, w.leadAdmin), kakehashi.ECONFLICT)
	outside := mustListing(t, db, Listing(w.out.ID, "outside-seed"))
	wantFieldOf(t, "share a non-member's listing", db.ShareListing(ctx, w.c.ID, outside.ID, w.leadAdmin), "listing_id")
	shared, err := db.SharedListings(ctx, w.c.ID)
	if err != nil || !slices.Equal(shared, []int64{seed.ID}) {
		t.Fatalf("shared listings %v, %v", shared, err)
	}
	if err := db.UnshareListing(ctx, w.c.ID, seed.ID, w.leadAdmin); err != nil {
		t.Fatal(err)
	}
	// A declined request may be made again.
	if err := db.RequestMembership(ctx, &kakehashi.Membership{ConsortiumID: w.c.ID, OrgID: w.out.ID, Role: kakehashi.MemberObserver}, w.outAdmin); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideMembership(ctx, w.c.ID, w.out.ID, false, w.leadAdmin); err != nil {
		t.Fatal(err)
	}
	if err := db.RequestMembership(ctx, &kakehashi.Membership{ConsortiumID: w.c.ID, OrgID: w.out.ID, Role: kakehashi.MemberObserver}, w.outAdmin); err != nil {
		t.Errorf("request after a decline: %v", err)
	}
	// Every write is audited.
	ev, err := db.AuditEvents(ctx, kakehashi.AuditFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for _, e := range ev {
		actions[e.Action] = true
	}
	for _, a := range []string{"consortium.create", "consortium.member.request", "consortium.member.approved", "consortium.member.declined",
		"consortium.task.create", "consortium.task.update", "consortium.listing.share", "consortium.listing.unshare"} {
		if !actions[a] {
			t.Errorf("no audit event %s", a)
		}
	}
}

func testConsortiumConflictsAndDates(t *testing.T, newDSN NewDSN) {
	ctx := context.Background()
	w := newConsortiumWorld(t, newDSN)
	db := w.db
	add := &kakehashi.Membership{ConsortiumID: w.c.ID, OrgID: w.company.ID, Role: kakehashi.MemberMember}
	wantCodeOf(t, "add by a non-lead", db.AddMember(ctx, add, w.companyAdmin), kakehashi.EFORBIDDEN)
	if err := db.AddMember(ctx, add, w.leadAdmin); err != nil {
		t.Fatal(err)
	}
	err := db.AddMember(ctx, &kakehashi.Membership{ConsortiumID: w.c.ID, OrgID: w.company.ID, Role: kakehashi.MemberObserver}, w.leadAdmin)
	wantCodeOf(t, "member added twice", err, kakehashi.ECONFLICT)
	if !strings.Contains(kakehashi.ErrorMessage(err), w.company.Name) {
		t.Errorf("conflict message %q does not name %q", kakehashi.ErrorMessage(err), w.company.Name)
	}
	// The lead is a member already, and no one else is lead.
	wantCodeOf(t, "lead added", db.AddMember(ctx, &kakehashi.Membership{ConsortiumID: w.c.ID, OrgID: w.lead.ID, Role: kakehashi.MemberMember}, w.leadAdmin), kakehashi.ECONFLICT)
	wantFieldOf(t, "second lead", db.AddMember(ctx, &kakehashi.Membership{ConsortiumID: w.c.ID, OrgID: w.out.ID, Role: kakehashi.MemberLead}, w.leadAdmin), "role")
	wantFieldOf(t, "unknown organization", db.AddMember(ctx, &kakehashi.Membership{ConsortiumID: w.c.ID, OrgID: 99999, Role: kakehashi.MemberMember}, w.leadAdmin), "org_id")

	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name       string
		start, due time.Time
		owner      int64
		field      string
	}{
		{"start before the consortium", day(2027, 3, 31), day(2027, 6, 1), w.company.ID, "start"},
		{"due after the consortium", day(2029, 4, 1), day(2030, 4, 1), w.company.ID, "due"},
		{"due before start", day(2028, 4, 1), day(2028, 3, 1), w.company.ID, "due"},
		{"owner not a member", day(2028, 4, 1), day(2028, 5, 1), w.out.ID, "owner_org_id"},
	} {
		task := &kakehashi.Task{ConsortiumID: w.c.ID, Title: tc.name, OwnerOrgID: tc.owner, Start: tc.start, Due: tc.due}
		wantFieldOf(t, tc.name, db.CreateTask(ctx, task, w.leadAdmin), tc.field)
	}
	tasks, err := db.Tasks(ctx, w.c.ID)
	if err != nil || len(tasks) != 0 {
		t.Fatalf("refused tasks were stored: %v %v", tasks, err)
	}
	task := &kakehashi.Task{ConsortiumID: w.c.ID, Title: "Pilot line", OwnerOrgID: w.company.ID, Start: day(2027, 4, 1), Due: day(2030, 3, 31)}
	if err := db.CreateTask(ctx, task, w.leadAdmin); err != nil {
		t.Fatalf("task on the consortium's first and last day: %v", err)
	}
	wantCodeOf(t, "task by a member's admin", db.CreateTask(ctx, &kakehashi.Task{ConsortiumID: w.c.ID, Title: "x", OwnerOrgID: w.company.ID,
		Start: day(2028, 1, 1), Due: day(2028, 2, 1)}, w.companyAdmin), kakehashi.EFORBIDDEN)
	// The term cannot shrink past a task.
	c := *w.c
	c.Start = day(2027, 6, 1)
	wantFieldOf(t, "shrink the term", db.UpdateConsortium(ctx, &c, w.leadAdmin), "start")
	// Consortium validation.
	bad := Consortium(w.lead.ID)
	bad.End = day(2026, 1, 1)
	bad.Title = ""
	err = db.CreateConsortium(ctx, bad, w.leadAdmin)
	wantFieldOf(t, "bad consortium", err, "end")
	wantFieldOf(t, "bad consortium", err, "title")
	wantCodeOf(t, "consortium by a plain member", db.CreateConsortium(ctx, Consortium(w.lead.ID), w.leadUser), kakehashi.EFORBIDDEN)
}

func testConsortiumVisibility(t *testing.T, newDSN NewDSN) {
	ctx := context.Background()
	w := newConsortiumWorld(t, newDSN)
	db := w.db
	private := Consortium(w.lead.ID)
	private.Title, private.Public = "Closed consortium", false
	if err := db.CreateConsortium(ctx, private, w.leadAdmin); err != nil {
		t.Fatal(err)
	}
	if err := db.AddMember(ctx, &kakehashi.Membership{ConsortiumID: private.ID, OrgID: w.company.ID, Role: kakehashi.MemberObserver}, w.staff); err != nil {
		t.Fatal(err)
	}
	ids := func(v *kakehashi.User, org int64) []int64 {
		list, err := db.Consortia(ctx, kakehashi.ConsortiumFilter{Viewer: v, OrgID: org})
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, c := range list {
			out = append(out, c.ID)
		}
		return out
	}
	both, public := []int64{w.c.ID, private.ID}, []int64{w.c.ID}
	for _, tc := range []struct {
		name string
		v    *kakehashi.User
		org  int64
		want []int64
	}{
		{"anonymous", nil, 0, public},
		{"outsider", w.outAdmin, 0, public},
		{"observer", w.companyUser, 0, both},
		{"lead member", w.leadUser, 0, both},
		{"staff", w.staff, 0, both},
		{"outsider, company's", w.outAdmin, w.company.ID, nil},
		{"staff, company's", w.staff, w.company.ID, []int64{private.ID}},
	} {
		if got := ids(tc.v, tc.org); !slices.Equal(got, tc.want) {
			t.Errorf("%s: consortia %v, want %v", tc.name, got, tc.want)
		}
	}
	// A private consortium cannot be asked to join from outside: not found.
	err := db.RequestMembership(ctx, &kakehashi.Membership{ConsortiumID: private.ID, OrgID: w.out.ID, Role: kakehashi.MemberMember}, w.outAdmin)
	wantCodeOf(t, "request to a private consortium", err, kakehashi.ENOTFOUND)
	// Fact book counts follow the same rule.
	fb, err := db.FactBook(ctx, w.company.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fb.ConsortiaJoined != 0 {
		t.Errorf("anonymous fact book counts a private consortium: %d", fb.ConsortiaJoined)
	}
	fb, err = db.FactBook(ctx, w.company.ID, w.companyUser)
	if err != nil {
		t.Fatal(err)
	}
	if fb.ConsortiaJoined != 1 {
		t.Errorf("member's fact book: joined %d, want 1", fb.ConsortiaJoined)
	}
	fb, err = db.FactBook(ctx, w.lead.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fb.ConsortiaLed != 1 {
		t.Errorf("lead's public fact book: led %d, want 1", fb.ConsortiaLed)
	}
}

func testFundingCallsAndEligibility(t *testing.T, newDSN NewDSN) {
	ctx := context.Background()
	w := newConsortiumWorld(t, newDSN)
	db := w.db
	clk := &clock{t: time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)}
	db.Now = clk.Now
	funder := Org("funder", "JP")
	funder.Kind = kakehashi.OrgFunder
	if err := db.CreateOrganization(ctx, funder, admin()); err != nil {
		t.Fatal(err)
	}
	fAdmin := &kakehashi.User{Email: "admin@funder.example", Name: "Funder admin", OrgID: funder.ID, OrgRole: kakehashi.RoleOrgAdmin}
	if err := db.CreateUser(ctx, fAdmin, admin()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Date(2027, 3, 31, 8, 0, 0, 0, time.UTC)
	// Only funders and government bodies publish; only their admins.
	notFunder := FundingCall(w.lead.ID, deadline)
	wantFieldOf(t, "university as funder", db.CreateFundingCall(ctx, notFunder, w.leadAdmin), "org_id")
	wantCodeOf(t, "outsider publishes", db.CreateFundingCall(ctx, FundingCall(funder.ID, deadline), w.leadAdmin), kakehashi.EFORBIDDEN)
	bad := FundingCall(funder.ID, deadline)
	bad.AmountMin, bad.AmountMax, bad.Currency = 5, 1, "YE"
	err := db.CreateFundingCall(ctx, bad, fAdmin)
	wantFieldOf(t, "bad amounts", err, "amount_max")
	wantFieldOf(t, "bad currency", err, "currency")

	jp := FundingCall(funder.ID, deadline)
	if err := db.CreateFundingCall(ctx, jp, fAdmin); err != nil {
		t.Fatal(err)
	}
	got, err := db.FundingCall(ctx, jp.ID)
	if err != nil || got.Programme != jp.Programme || !got.Deadline.Equal(deadline) || !got.MatchingRequired || !slices.Equal(got.EligibleCountries, []string{"JP"}) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	open := FundingCall(funder.ID, deadline)
	open.Programme, open.ProgrammeJA, open.EligibleKinds, open.EligibleCountries, open.MatchingRequired = "Open frontier fund", "", nil, nil, false
	open.Description, open.Keywords, open.Fields = "Any organization anywhere, any solid electrolyte idea.", nil, nil
	if err := db.CreateFundingCall(ctx, open, fAdmin); err != nil {
		t.Fatal(err)
	}
	unrelated := FundingCall(funder.ID, deadline)
	unrelated.Programme, unrelated.ProgrammeJA, unrelated.Description = "Rice farming robotics", "", "Harvest automation for paddy fields."
	unrelated.Keywords, unrelated.Fields, unrelated.EligibleKinds, unrelated.EligibleCountries, unrelated.MatchingRequired = []string{"agriculture"}, []string{"4.1"}, nil, nil, false
	if err := db.CreateFundingCall(ctx, unrelated, fAdmin); err != nil {
		t.Fatal(err)
	}
	company := *w.company
	company.Country = "JP"
	text := []string{"Sulfide solid electrolytes for batteries", "全固体電池"}
	programmes := func(ms []kakehashi.FundingMatch) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Call.Programme)
		}
		return out
	}
	// A JP university and a JP company: both calls fit, the targeted one
	// first; the unrelated one shares no word.
	ms, err := db.FundingFits(ctx, kakehashi.FundingTarget{Parties: []*kakehashi.Organization{w.lead, &company}, Text: text, Fields: []string{"2.5"}}, clk.Now(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if got := programmes(ms); !slices.Equal(got, []string{jp.Programme, open.Programme}) {
		t.Fatalf("matches %v", got)
	}
	m := ms[0]
	if !slices.Contains(m.Terms, "solid electrolytes") || !slices.Contains(m.Terms, "全固体電池") || !slices.Contains(m.Fields, "2.5") {
		t.Errorf("explanation terms %v fields %v", m.Terms, m.Fields)
	}
	rules := map[string]bool{}
	for _, r := range m.Rules {
		rules[r.Rule] = true
	}
	if !rules["deadline"] || !rules["applicant"] || !rules["matching"] {
		t.Errorf("rules %+v", m.Rules)
	}
	// Without a company: the matching contribution rules the call out.
	ms, _ = db.FundingFits(ctx, kakehashi.FundingTarget{Parties: []*kakehashi.Organization{w.lead}, Text: text}, clk.Now(), 10)
	if got := programmes(ms); !slices.Equal(got, []string{open.Programme}) {
		t.Errorf("without a company: %v", got)
	}
	// A US university and a GB company: not in JP.
	ms, _ = db.FundingFits(ctx, kakehashi.FundingTarget{Parties: []*kakehashi.Organization{w.out, w.company}, Text: text}, clk.Now(), 10)
	if got := programmes(ms); !slices.Equal(got, []string{open.Programme}) {
		t.Errorf("outside JP: %v", got)
	}
	// After the deadline nothing fits.
	clk.t = deadline.Add(time.Second)
	ms, _ = db.FundingFits(ctx, kakehashi.FundingTarget{Parties: []*kakehashi.Organization{w.lead, &company}, Text: text}, clk.Now(), 10)
	if len(ms) != 0 {
		t.Errorf("after the deadline: %v", programmes(ms))
	}
	// Update and delete, by the funder only.
	jp.Programme = "Battery materials bridging grant (2nd round)"
	wantCodeOf(t, "update by outsider", db.UpdateFundingCall(ctx, jp, w.leadAdmin), kakehashi.EFORBIDDEN)
	if err := db.UpdateFundingCall(ctx, jp, fAdmin); err != nil {
		t.Fatal(err)
	}
	wantCodeOf(t, "delete by outsider", db.DeleteFundingCall(ctx, unrelated.ID, w.companyAdmin), kakehashi.EFORBIDDEN)
	if err := db.DeleteFundingCall(ctx, unrelated.ID, fAdmin); err != nil {
		t.Fatal(err)
	}
	_, err = db.FundingCall(ctx, unrelated.ID)
	wantCodeOf(t, "deleted call", err, kakehashi.ENOTFOUND)
	list, err := db.FundingCalls(ctx, kakehashi.FundingCallFilter{OrgID: funder.ID})
	if err != nil || len(list) != 2 || list[0].Programme != jp.Programme {
		t.Errorf("list after update and delete: %d calls, %v", len(list), err)
	}
}

func testConsortiumKPIs(t *testing.T, newDSN NewDSN) {
	ctx := context.Background()
	w := newConsortiumWorld(t, newDSN)
	db := w.db
	if err := db.AddMember(ctx, &kakehashi.Membership{ConsortiumID: w.c.ID, OrgID: w.company.ID, Role: kakehashi.MemberMember}, w.leadAdmin); err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	for i, s := range []kakehashi.TaskStatus{kakehashi.TaskPlanned, kakehashi.TaskActive, kakehashi.TaskActive} {
		task := &kakehashi.Task{ConsortiumID: w.c.ID, Title: "Task " + string(rune('A'+i)), OwnerOrgID: w.company.ID, Status: s,
			Start: day(2027, 5, 1), Due: day(2027, 9, 1)}
		if err := db.CreateTask(ctx, task, w.leadAdmin); err != nil {
			t.Fatal(err)
		}
	}
	gb := Consortium(w.company.ID)
	gb.Title = "UK-led consortium"
	if err := db.CreateConsortium(ctx, gb, w.companyAdmin); err != nil {
		t.Fatal(err)
	}
	now := db.Now().UTC()
	k, err := db.ConsortiumKPIs(ctx, kakehashi.KPIFilter{From: now.Add(-time.Hour), To: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]int{}
	for _, c := range k.TasksByStatus {
		status[c.Key] = c.Count
	}
	if k.Created != 2 || k.MembersJoined != 1 || status["active"] != 2 || status["planned"] != 1 || status["done"] != 0 {
		t.Errorf("KPIs %+v", k)
	}
	if !slices.Equal(k.ByLeadCountry, []kakehashi.KPICount{{Key: "GB", Count: 1}, {Key: "JP", Count: 1}}) {
		t.Errorf("by lead country %v", k.ByLeadCountry)
	}
	k, err = db.ConsortiumKPIs(ctx, kakehashi.KPIFilter{From: now.Add(-time.Hour), To: now.Add(time.Hour), Country: "JP"})
	if err != nil {
		t.Fatal(err)
	}
	if k.Created != 1 || k.MembersJoined != 1 {
		t.Errorf("JP-led KPIs %+v", k)
	}
	k, err = db.ConsortiumKPIs(ctx, kakehashi.KPIFilter{From: now.Add(24 * time.Hour), To: now.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if k.Created != 0 || k.MembersJoined != 0 {
		t.Errorf("KPIs of an empty range %+v", k)
	}
	fb, err := db.FactBook(ctx, w.company.ID, w.companyUser)
	if err != nil {
		t.Fatal(err)
	}
	if fb.ConsortiaLed != 1 || fb.ConsortiaJoined != 1 || fb.ConsortiumTasks[1].Count != 2 {
		t.Errorf("company fact book: led %d joined %d tasks %v", fb.ConsortiaLed, fb.ConsortiaJoined, fb.ConsortiumTasks)
	}
}

// subjects returns the subjects of u's notifications, newest first.
func subjects(t *testing.T, db *sqlstore.DB, u *kakehashi.User) []string {
	t.Helper()
	ns, err := db.Notifications(context.Background(), u.ID, false, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		out = append(out, n.Subject)
	}
	return out
}
