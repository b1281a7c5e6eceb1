package storetest

import (
	"context"
	"reflect"
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
	jan := kakehashi.KPIFilter{From: day(1), To: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), StalledBefore: time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)}
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
			f.From = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			f.To = f.From.AddDate(0, 1, 0)
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
	if _, err := f.db.FactBook(ctx, 424242, nil); kakehashi.ErrorCode(err) != kakehashi.ENOTFOUND {
		t.Errorf("missing organization: %v", err)
	}
}
