package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// kpiTests are the conformance tests of the KPI dashboard and fact books.
var kpiTests = []struct {
	name string
	fn   func(*testing.T, NewDSN)
}{
	{"KPIs", testKPIs},
	{"KPIRollupsMatchDirect", testKPIRollupsMatchDirect},
	{"KPIRefreshFollowsWrites", testKPIRefreshFollowsWrites},
	{"KPIFilterValidation", testKPIFilterValidation},
	{"KPIRefreshOnce", testKPIRefreshOnce},
	{"FactBook", testFactBook},
}

// kpiFixture is a small pipeline with known dates, in January 2026:
// university A (JP) and company B (GB); A's listing la (fields 2.5, 1.4) and
// B's lb (field 1.4), both public, and A's confidential lc in March. B asks
// about la on the 12th (introduced the 14th, agreement the 22nd, won the
// 23rd) and the 13th (declined the 17th: not a fit); A asks about lb on the
// 20th and hears nothing.
type kpiFixture struct {
	db         *sqlstore.DB
	a, b       *kakehashi.Organization
	la, lb, lc *kakehashi.Listing
	userA      *kakehashi.User
	userB      *kakehashi.User
}

func day(d int) time.Time { return time.Date(2026, 1, d, 9, 0, 0, 0, time.UTC) }

// month is the start of month m of 2026 (13 is January 2027).
func month(m int) time.Time { return time.Date(2026, time.Month(m), 1, 0, 0, 0, 0, time.UTC) }

// refresh brings the KPI rollups of db up to date.
func refresh(t *testing.T, db *sqlstore.DB) *sqlstore.KPIRefresh {
	t.Helper()
	r, err := db.RefreshKPIs(context.Background())
	if err != nil {
		t.Fatalf("refresh KPIs: %v", err)
	}
	return r
}

func newKPIFixture(t *testing.T, newDSN NewDSN) *kpiFixture {
	t.Helper()
	ctx := context.Background()
	f := &kpiFixture{db: Open(t, newDSN)}
	clock := day(1)
	f.db.Now = func() time.Time { return clock }
	at := func(d time.Time) { clock = d }
	f.a = mustOrg(t, f.db, "kpi-a", "JP")
	f.b = Org("kpi-b", "GB")
	f.b.Kind = kakehashi.OrgCompany
	if err := f.db.CreateOrganization(ctx, f.b, admin()); err != nil {
		t.Fatal(err)
	}
	user := func(email string, org int64) *kakehashi.User {
		u := &kakehashi.User{Email: email, Name: email, OrgID: org, OrgRole: kakehashi.RoleMember}
		if err := f.db.CreateUser(ctx, u, admin()); err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.userA, f.userB = user("a@kpi.example", f.a.ID), user("b@kpi.example", f.b.ID)
	at(day(10))
	f.la = mustListing(t, f.db, Listing(f.a.ID, "kpi-a"))
	at(day(11))
	lb := Listing(f.b.ID, "kpi-b")
	lb.Fields = []string{"1.4"}
	f.lb = mustListing(t, f.db, lb)
	at(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	lc := Listing(f.a.ID, "kpi-c")
	lc.Visibility = kakehashi.VisibilityConfidential
	f.lc = mustListing(t, f.db, lc)

	interest := func(d int, l *kakehashi.Listing, u *kakehashi.User) *kakehashi.Introduction {
		at(day(d))
		in := &kakehashi.Introduction{ListingID: l.ID, RequesterID: u.ID, RequesterOrgID: u.OrgID, Message: "Interested."}
		if err := f.db.CreateIntroduction(ctx, in, u); err != nil {
			t.Fatal(err)
		}
		return in
	}
	move := func(in *kakehashi.Introduction, d int, tr kakehashi.Transition) {
		at(day(d))
		if _, err := f.db.Transition(ctx, in.ID, tr, admin()); err != nil {
			t.Fatalf("transition to %s: %v", tr.To, err)
		}
	}
	i1 := interest(12, f.la, f.userB)
	i2 := interest(13, f.la, user("b2@kpi.example", f.b.ID))
	move(i1, 14, kakehashi.Transition{To: kakehashi.StageIntroduced})
	move(i1, 15, kakehashi.Transition{To: kakehashi.StageMeeting})
	move(i1, 16, kakehashi.Transition{To: kakehashi.StageNDA})
	move(i2, 17, kakehashi.Transition{To: kakehashi.StageClosed, Outcome: kakehashi.OutcomeDeclined, Reason: kakehashi.ReasonNotAFit})
	interest(20, f.lb, f.userA)
	move(i1, 22, kakehashi.Transition{To: kakehashi.StageAgreement, Agreement: &kakehashi.Agreement{
		Type: kakehashi.PartnerLicense, Parties: []string{"Org kpi-a", "Org kpi-b"}, Value: 1_000_000, Currency: "JPY", Date: day(22)}})
	move(i1, 23, kakehashi.Transition{To: kakehashi.StageClosed, Outcome: kakehashi.OutcomeWon})
	return f
}

func counts(kv ...any) []kakehashi.KPICount {
	out := []kakehashi.KPICount{}
	for i := 0; i < len(kv); i += 2 {
		out = append(out, kakehashi.KPICount{Key: kv[i].(string), Count: kv[i+1].(int)})
	}
	return out
}

func testKPIs(t *testing.T, newDSN NewDSN) {
	f := newKPIFixture(t, newDSN)
	ctx := context.Background()
	jan := kakehashi.KPIFilter{From: month(1), To: month(2), StalledBefore: time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)}
	refresh(t, f.db)
	r, err := f.db.KPIs(ctx, jan)
	if err != nil {
		t.Fatal(err)
	}
	want := kakehashi.KPIMetric{Total: 2, ByCountry: counts("GB", 1, "JP", 1), ByOrgKind: counts("company", 1, "university", 1),
		ByField: counts("1.4", 2, "2.5", 1), BySector: counts("automotive", 2, "energy", 2),
		ByPartnership: counts("joint_research", 2, "license", 2)}
	if !reflect.DeepEqual(r.Listings, want) {
		t.Errorf("listings = %+v, want %+v", r.Listings, want)
	}
	if r.Interests.Total != 3 || !reflect.DeepEqual(r.Interests.ByCountry, counts("JP", 2, "GB", 1)) {
		t.Errorf("interests = %+v", r.Interests)
	}
	if r.Introductions.Total != 1 || !reflect.DeepEqual(r.Introductions.ByOrgKind, counts("university", 1)) {
		t.Errorf("introductions = %+v", r.Introductions)
	}
	if r.Agreements.Total != 1 || !reflect.DeepEqual(r.Agreements.ByCountry, counts("JP", 1)) {
		t.Errorf("agreements = %+v", r.Agreements)
	}
	if want := counts("interest", 3, "introduced", 1, "meeting", 1, "nda", 1, "agreement", 1, "won", 1); !reflect.DeepEqual(r.Funnel, want) {
		t.Errorf("funnel = %v, want %v", r.Funnel, want)
	}
	if r.MedianDaysToResponse == nil || *r.MedianDaysToResponse != 3 {
		t.Errorf("median days to response = %v, want 3 (2 and 4)", r.MedianDaysToResponse)
	}
	if r.MedianDaysToAgreement == nil || *r.MedianDaysToAgreement != 10 {
		t.Errorf("median days to agreement = %v, want 10", r.MedianDaysToAgreement)
	}
	if r.Stalled != 1 {
		t.Errorf("stalled = %d, want 1", r.Stalled)
	}
	if r.AsOf.IsZero() {
		t.Error("as_of is zero after a refresh")
	}
	if want := counts("not_a_fit", 1); !reflect.DeepEqual(r.DeclineReasons, want) {
		t.Errorf("decline reasons = %v, want %v", r.DeclineReasons, want)
	}

	gb := jan
	gb.Country = "GB"
	r, err = f.db.KPIs(ctx, gb)
	if err != nil {
		t.Fatal(err)
	}
	if r.Listings.Total != 1 || r.Interests.Total != 1 || r.Introductions.Total != 0 || r.MedianDaysToResponse != nil || r.Stalled != 1 {
		t.Errorf("GB: %+v", r)
	}
	for _, c := range []struct {
		f        func(*kakehashi.KPIFilter)
		listings int
	}{
		{func(f *kakehashi.KPIFilter) { f.Field = "2.5" }, 1},
		{func(f *kakehashi.KPIFilter) { f.OrgKind = kakehashi.OrgCompany }, 1},
		{func(f *kakehashi.KPIFilter) { f.Region = "JP-13" }, 0},
		{func(f *kakehashi.KPIFilter) {
			f.From, f.To = month(3), month(4)
		}, 1},
	} {
		q := jan
		c.f(&q)
		r, err := f.db.KPIs(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if r.Listings.Total != c.listings {
			t.Errorf("%+v: listings = %d, want %d", q, r.Listings.Total, c.listings)
		}
	}
}

func testFactBook(t *testing.T, newDSN NewDSN) {
	f := newKPIFixture(t, newDSN)
	ctx := context.Background()
	staff := &kakehashi.User{ID: 9999, PlatformRole: kakehashi.PlatformCoordinator}
	fb, err := f.db.FactBook(ctx, f.a.ID, staff)
	if err != nil {
		t.Fatal(err)
	}
	want := &kakehashi.FactBook{OrgID: f.a.ID, Seeds: 2, ListingsPerMonth: counts("2026-01", 1, "2026-03", 1), Pipeline: true,
		IntroductionsByStage: counts("interest", 1, "introduced", 0, "meeting", 0, "nda", 0, "agreement", 0, "closed", 2),
		AgreementsByType:     counts("license", 1), AgreementValues: []kakehashi.CurrencyTotal{{Currency: "JPY", Value: 1_000_000}},
		PartnersByCountry: counts("GB", 1)}
	if !reflect.DeepEqual(fb, want) {
		t.Errorf("staff fact book = %+v\nwant %+v", fb, want)
	}
	if fb, err := f.db.FactBook(ctx, f.a.ID, f.userA); err != nil || !reflect.DeepEqual(fb, want) {
		t.Errorf("member fact book = %+v, %v", fb, err)
	}
	// Outsiders see counts of the listings they may see with their owner,
	// and no pipeline figures.
	for _, v := range []*kakehashi.User{nil, f.userB} {
		fb, err := f.db.FactBook(ctx, f.a.ID, v)
		if err != nil {
			t.Fatal(err)
		}
		want := &kakehashi.FactBook{OrgID: f.a.ID, Seeds: 1, ListingsPerMonth: counts("2026-01", 1)}
		if !reflect.DeepEqual(fb, want) {
			t.Errorf("fact book for %v = %+v, want %+v", v, fb, want)
		}
	}
	// A viewer the confidential listing was revealed to counts it.
	revealed := *f.userB
	revealed.Revealed = []int64{f.lc.ID}
	wantRevealed := &kakehashi.FactBook{OrgID: f.a.ID, Seeds: 2, ListingsPerMonth: counts("2026-01", 1, "2026-03", 1)}
	if fb, err := f.db.FactBook(ctx, f.a.ID, &revealed); err != nil || !reflect.DeepEqual(fb, wantRevealed) {
		t.Errorf("fact book with a revealed listing = %+v, %v", fb, err)
	}

	// Counted live before the first refresh, from the rollups after it,
	// and live again for a month a write marks: the same figures.
	viewers := []*kakehashi.User{staff, f.userA, nil, f.userB, &revealed}
	before := map[int]*kakehashi.FactBook{}
	for i, v := range viewers {
		if before[i], err = f.db.FactBook(ctx, f.a.ID, v); err != nil {
			t.Fatal(err)
		}
	}
	refresh(t, f.db)
	for i, v := range viewers {
		if fb, err := f.db.FactBook(ctx, f.a.ID, v); err != nil || !reflect.DeepEqual(fb, before[i]) {
			t.Errorf("viewer %d after refresh: %+v, %v\nwant %+v", i, fb, err, before[i])
		}
	}
	f.lc.Visibility = kakehashi.VisibilityPublic
	if err := f.db.UpdateListing(ctx, f.lc, admin()); err != nil {
		t.Fatal(err)
	}
	if fb, err := f.db.FactBook(ctx, f.a.ID, nil); err != nil || fb.Seeds != 2 {
		t.Errorf("anonymous fact book once lc is public, before a refresh: %+v, %v", fb, err)
	}
	refresh(t, f.db)
	if fb, err := f.db.FactBook(ctx, f.a.ID, nil); err != nil || fb.Seeds != 2 || !reflect.DeepEqual(fb.ListingsPerMonth, counts("2026-01", 1, "2026-03", 1)) {
		t.Errorf("anonymous fact book once lc is public, after a refresh: %+v, %v", fb, err)
	}

	if _, err := f.db.FactBook(ctx, 424242, nil); kakehashi.ErrorCode(err) != kakehashi.ENOTFOUND {
		t.Errorf("missing organization: %v", err)
	}
}

// kpiWorld is a larger generated pipeline for comparing the rollups with the
// direct computation: organizations in three countries, with and without
// regions, of three kinds; listings with one to three fields over four
// months of 2026; interests that move along the pipeline over the months
// that follow.
type kpiWorld struct {
	db    *sqlstore.DB
	orgs  []*kakehashi.Organization
	users []*kakehashi.User
	lists []*kakehashi.Listing
	clock *time.Time
}

func newKPIWorld(t *testing.T, newDSN NewDSN) *kpiWorld {
	t.Helper()
	ctx := context.Background()
	clock := month(1)
	w := &kpiWorld{db: Open(t, newDSN), clock: &clock}
	w.db.Now = func() time.Time { return *w.clock }
	for i, o := range []struct {
		country, region string
		kind            kakehashi.OrgKind
	}{
		{"JP", "JP-13", kakehashi.OrgUniversity}, {"JP", "JP-13", kakehashi.OrgCompany}, {"JP", "JP-27", kakehashi.OrgUniversity},
		{"JP", "", kakehashi.OrgStartup}, {"GB", "", kakehashi.OrgCompany}, {"US", "US-CA", kakehashi.OrgUniversity},
	} {
		org := Org(fmt.Sprintf("w%d", i), o.country)
		org.Region, org.Kind = o.region, o.kind
		if err := w.db.CreateOrganization(ctx, org, admin()); err != nil {
			t.Fatal(err)
		}
		u := &kakehashi.User{Email: fmt.Sprintf("w%d@kpi.example", i), Name: "W", OrgID: org.ID, OrgRole: kakehashi.RoleMember}
		if err := w.db.CreateUser(ctx, u, admin()); err != nil {
			t.Fatal(err)
		}
		w.orgs, w.users = append(w.orgs, org), append(w.users, u)
	}
	fields := [][]string{{"1.2"}, {"2.2", "1.2"}, {"2.5", "1.4", "2.2"}, {"1.4"}}
	sectors := [][]string{{"energy"}, {"automotive", "energy"}, {"materials"}}
	partners := [][]kakehashi.PartnershipType{{kakehashi.PartnerLicense}, {kakehashi.PartnerJointResearch, kakehashi.PartnerLicense}, {kakehashi.PartnerInvestment}}
	for i := range 24 {
		*w.clock = month(1 + i%4).Add(time.Duration(i*29) * time.Hour)
		l := Listing(w.orgs[i%len(w.orgs)].ID, fmt.Sprintf("w%d", i))
		l.Fields, l.Sectors, l.PartnershipTypes = fields[i%4], sectors[i%3], partners[(i/2)%3]
		w.lists = append(w.lists, mustListing(t, w.db, l))
	}
	// Interests: requester org r asks about listing l; then a path.
	paths := [][]kakehashi.Transition{
		nil,
		{{To: kakehashi.StageIntroduced}},
		{{To: kakehashi.StageClosed, Outcome: kakehashi.OutcomeDeclined, Reason: kakehashi.ReasonNotAFit}},
		{{To: kakehashi.StageIntroduced}, {To: kakehashi.StageMeeting}, {To: kakehashi.StageNDA}, {To: kakehashi.StageAgreement,
			Agreement: &kakehashi.Agreement{Type: kakehashi.PartnerLicense, Parties: []string{"A", "B"}, Value: 5000, Currency: "USD", Date: month(6)}},
			{To: kakehashi.StageClosed, Outcome: kakehashi.OutcomeWon}},
		{{To: kakehashi.StageClosed, Outcome: kakehashi.OutcomeDeclined, Reason: kakehashi.ReasonTooEarly}},
		{{To: kakehashi.StageIntroduced}, {To: kakehashi.StageClosed, Outcome: kakehashi.OutcomeLost, Reason: kakehashi.ReasonNoCapacity}},
	}
	for i := range 30 {
		l := w.lists[(i*7)%len(w.lists)]
		*w.clock = l.CreatedAt.Add(time.Duration(1+i*13) * time.Hour)
		var in *kakehashi.Introduction
		for k := range w.users {
			// The first user of another organization without an open
			// interest in l.
			u := w.users[(i*5+1+k)%len(w.users)]
			if u.OrgID == l.OrgID {
				continue
			}
			in = &kakehashi.Introduction{ListingID: l.ID, RequesterID: u.ID, RequesterOrgID: u.OrgID, Message: "Interested."}
			err := w.db.CreateIntroduction(ctx, in, u)
			if err == nil {
				break
			}
			if kakehashi.ErrorCode(err) != kakehashi.ECONFLICT {
				t.Fatalf("interest %d: %v", i, err)
			}
			in = nil
		}
		if in == nil {
			t.Fatalf("interest %d: every user has one open", i)
		}
		for j, tr := range paths[i%len(paths)] {
			*w.clock = w.clock.Add(time.Duration(20+(i*j*17)%400) * time.Hour)
			if _, err := w.db.Transition(ctx, in.ID, tr, admin()); err != nil {
				t.Fatalf("interest %d to %s: %v", i, tr.To, err)
			}
		}
	}
	*w.clock = month(9)
	return w
}

// kpiFilters are the filter combinations compared: every country, region,
// kind and field of the world alone and combined, over the whole range and
// over single months.
func (w *kpiWorld) kpiFilters() []kakehashi.KPIFilter {
	var out []kakehashi.KPIFilter
	stall := month(5)
	ranges := [][2]time.Time{{month(1), month(13)}, {month(2), month(3)}, {month(4), month(6)}}
	kinds := []kakehashi.OrgKind{"", kakehashi.OrgUniversity, kakehashi.OrgCompany, kakehashi.OrgStartup}
	fields := []string{"", "1.2", "2.2", "1.4", "2.5", "3.1"}
	geos := [][2]string{{"", ""}, {"JP", ""}, {"GB", ""}, {"US", ""}, {"JP", "JP-13"}, {"JP", "JP-27"}, {"", "JP-13"}, {"US", "US-CA"}, {"", "US-CA"}, {"GB", "JP-13"}}
	for ri, r := range ranges {
		for _, g := range geos {
			for _, k := range kinds {
				for _, fl := range fields {
					if ri > 0 && k != "" && fl != "" {
						continue // enough combinations over the narrow ranges
					}
					out = append(out, kakehashi.KPIFilter{From: r[0], To: r[1], Country: g[0], Region: g[1], OrgKind: k, Field: fl, StalledBefore: stall})
				}
			}
		}
	}
	return out
}

// sameAsDirect checks that the rollups give what the direct computation
// gives for every filter of w.
func (w *kpiWorld) sameAsDirect(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	nonEmpty := 0
	for _, f := range w.kpiFilters() {
		got, err := w.db.KPIs(ctx, f)
		if err != nil {
			t.Fatalf("KPIs(%+v): %v", f, err)
		}
		want, err := w.db.KPIsDirect(ctx, f)
		if err != nil {
			t.Fatalf("KPIsDirect(%+v): %v", f, err)
		}
		got.AsOf = time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("filter %+v:\nrollup %+v\ndirect %+v", f, got, want)
		}
		if want.Listings.Total > 0 && want.Interests.Total > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 50 {
		t.Fatalf("only %d filters give listings and interests: the comparison proves little", nonEmpty)
	}
	// Stalled counts by field read the fields copied onto the
	// introductions: they must be the listings' own.
	for _, field := range []string{"1.2", "2.2", "1.4", "2.5", "3.1"} {
		f := kakehashi.KPIFilter{From: month(1), To: month(2), Field: field, StalledBefore: month(13)}
		got, err := w.db.KPIs(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var want int
		if err := w.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM introductions i JOIN listings l ON l.id = i.listing_id
			WHERE i.stage <> 'closed' AND l.fields LIKE $1`, `%"`+field+`"%`).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got.Stalled != want {
			t.Errorf("stalled in field %s = %d, want %d", field, got.Stalled, want)
		}
	}
}

func testKPIRollupsMatchDirect(t *testing.T, newDSN NewDSN) {
	w := newKPIWorld(t, newDSN)
	r := refresh(t, w.db)
	if len(r.Months) < 4 || r.Months[0] != "2026-01" {
		t.Errorf("first refresh months = %v, want every month from 2026-01", r.Months)
	}
	direct, err := w.db.KPIsDirect(context.Background(), kakehashi.KPIFilter{From: month(1), To: month(13)})
	if err != nil {
		t.Fatal(err)
	}
	// The world must exercise every figure the comparison covers.
	if direct.Agreements.Total == 0 || len(direct.DeclineReasons) < 2 || direct.MedianDaysToResponse == nil || direct.MedianDaysToAgreement == nil {
		t.Fatalf("world too thin: %+v", direct)
	}
	w.sameAsDirect(t)
	if r := refresh(t, w.db); len(r.Months) != 0 {
		t.Errorf("refresh with nothing written recomputed %v", r.Months)
	}
}

func testKPIRefreshFollowsWrites(t *testing.T, newDSN NewDSN) {
	w := newKPIWorld(t, newDSN)
	ctx := context.Background()
	refresh(t, w.db)
	feb := kakehashi.KPIFilter{From: month(2), To: month(3)}
	before, err := w.db.KPIs(ctx, feb)
	if err != nil {
		t.Fatal(err)
	}

	// A listing created in February: dirty until the next refresh.
	*w.clock = month(2).Add(50 * time.Hour)
	l := Listing(w.orgs[4].ID, "late")
	l.Fields = []string{"3.1"}
	mustListing(t, w.db, l)
	*w.clock = month(9)
	stale, err := w.db.KPIs(ctx, feb)
	if err != nil {
		t.Fatal(err)
	}
	if stale.Listings.Total != before.Listings.Total {
		t.Errorf("listings before refresh = %d, want the rolled-up %d", stale.Listings.Total, before.Listings.Total)
	}
	r := refresh(t, w.db)
	if !reflect.DeepEqual(r.Months, []string{"2026-02"}) {
		t.Errorf("refreshed months = %v, want [2026-02]", r.Months)
	}
	after, err := w.db.KPIs(ctx, feb)
	if err != nil {
		t.Fatal(err)
	}
	if after.Listings.Total != before.Listings.Total+1 || !after.AsOf.After(before.AsOf) && !after.AsOf.Equal(month(9)) {
		t.Errorf("after refresh: listings %d (want %d), as of %v", after.Listings.Total, before.Listings.Total+1, after.AsOf)
	}
	w.sameAsDirect(t)

	// An interest in that listing now, moved along: its months and the
	// months of the introductions are marked.
	*w.clock = month(9).Add(24 * time.Hour)
	in := &kakehashi.Introduction{ListingID: l.ID, RequesterID: w.users[0].ID, RequesterOrgID: w.users[0].OrgID, Message: "Late interest."}
	if err := w.db.CreateIntroduction(ctx, in, w.users[0]); err != nil {
		t.Fatal(err)
	}
	*w.clock = month(10).Add(24 * time.Hour)
	if _, err := w.db.Transition(ctx, in.ID, kakehashi.Transition{To: kakehashi.StageIntroduced}, admin()); err != nil {
		t.Fatal(err)
	}
	if r := refresh(t, w.db); !reflect.DeepEqual(r.Months, []string{"2026-09", "2026-10"}) {
		t.Errorf("refreshed months = %v, want [2026-09 2026-10]", r.Months)
	}
	w.sameAsDirect(t)

	// A listing's fields change: its month and its pipeline's.
	l.Fields = []string{"1.2", "3.1"}
	*w.clock = month(11)
	if err := w.db.UpdateListing(ctx, l, admin()); err != nil {
		t.Fatal(err)
	}
	if r := refresh(t, w.db); !slices.Contains(r.Months, "2026-02") || !slices.Contains(r.Months, "2026-10") {
		t.Errorf("refreshed months after a field change = %v", r.Months)
	}
	w.sameAsDirect(t)
	// A change the dashboard does not count marks nothing.
	l.Title = "Retitled"
	if err := w.db.UpdateListing(ctx, l, admin()); err != nil {
		t.Fatal(err)
	}
	if r := refresh(t, w.db); len(r.Months) != 0 {
		t.Errorf("a title change marked %v", r.Months)
	}

	// An organization moves region and becomes a company: all its months.
	o := w.orgs[0]
	o.Region, o.Kind = "JP-27", kakehashi.OrgCompany
	if err := w.db.UpdateOrganization(ctx, o, admin()); err != nil {
		t.Fatal(err)
	}
	if r := refresh(t, w.db); len(r.Months) < 4 {
		t.Errorf("refreshed months after an organization change = %v", r.Months)
	}
	w.sameAsDirect(t)
}

func testKPIFilterValidation(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	for _, c := range []struct {
		f     kakehashi.KPIFilter
		field string
	}{
		{kakehashi.KPIFilter{From: day(3), To: month(2)}, "from"},
		{kakehashi.KPIFilter{From: month(1), To: day(20)}, "to"},
		{kakehashi.KPIFilter{From: month(3), To: month(2)}, "from"},
		{kakehashi.KPIFilter{From: month(1), To: month(2), Field: "9.9"}, "field"},
		{kakehashi.KPIFilter{From: month(1), To: month(2), Region: "-"}, "region"},
		{kakehashi.KPIFilter{From: month(1), To: month(2), OrgKind: "castle"}, "kind"},
	} {
		for name, run := range map[string]func(context.Context, kakehashi.KPIFilter) (*kakehashi.KPIReport, error){"rollup": db.KPIs, "direct": db.KPIsDirect} {
			_, err := run(ctx, c.f)
			if kakehashi.ErrorCode(err) != kakehashi.EINVALID || len(kakehashi.FieldErrors(err)) == 0 || kakehashi.FieldErrors(err)[0].Field != c.field {
				t.Errorf("%s %+v: %v, want invalid %s", name, c.f, err, c.field)
			}
		}
	}
}

// testKPIRefreshOnce checks that replicas sharing a PostgreSQL database
// refresh the rollups one at a time: while another session holds the
// refresher's lock, RefreshKPIsOnce leaves the work to it; once the lock is
// free, it refreshes. SQLite, one process, always refreshes.
func testKPIRefreshOnce(t *testing.T, newDSN NewDSN) {
	db := Open(t, newDSN)
	ctx := context.Background()
	if db.Dialect() != sqlstore.Postgres {
		if r, err := db.RefreshKPIsOnce(ctx); err != nil || r == nil {
			t.Fatalf("SQLite: RefreshKPIsOnce = %v, %v; want a refresh", r, err)
		}
		return
	}
	other, err := db.SQL().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	const lock = 7_243_009 // sqlstore's kpiRefresherLock
	if _, err := other.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, lock); err != nil {
		t.Fatal(err)
	}
	if r, err := db.RefreshKPIsOnce(ctx); err != nil || r != nil {
		t.Fatalf("with another refresher running: RefreshKPIsOnce = %+v, %v; want nil, nil", r, err)
	}
	if _, err := other.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, lock); err != nil {
		t.Fatal(err)
	}
	if r, err := db.RefreshKPIsOnce(ctx); err != nil || r == nil {
		t.Fatalf("with the lock free: RefreshKPIsOnce = %v, %v; want a refresh", r, err)
	}
	// The lock was given back: another session can take it.
	var got bool
	if err := other.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, lock).Scan(&got); err != nil || !got {
		t.Fatalf("the refresher kept its lock: %v %v", got, err)
	}
}
