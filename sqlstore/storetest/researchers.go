package storetest

import (
	"context"
	"database/sql"
	"reflect"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// researcherTests are the conformance tests of researcher profiles.
var researcherTests = []struct {
	name string
	fn   func(*testing.T, NewDSN)
}{
	{"ResearcherRoundTrip", testResearcherRoundTrip},
	{"ResearcherFilters", testResearcherFilters},
	{"ResearcherConflictsAndInvalid", testResearcherConflictsAndInvalid},
	{"ResearcherLinks", testResearcherLinks},
}

// Researcher returns a valid early-career researcher of organization orgID.
func Researcher(orgID int64, name string) *kakehashi.Researcher {
	return &kakehashi.Researcher{
		OrgID: orgID, Name: name, NameJa: "研究者 " + name, Position: "Assistant Professor", Career: kakehashi.CareerEarly,
		Bio: "Works on sulfide solid electrolytes.", Keywords: []string{"solid electrolyte", "全固体電池"}, Fields: []string{"2.5"},
		Languages: []string{"ja", "en"}, OpenTo: kakehashi.Openness{IndustryCollaboration: true},
		Publications: []kakehashi.Publication{{Title: "Sulfide electrolytes", Year: 2024, DOI: "10.1000/test.1"}},
	}
}

func mustResearcher(t *testing.T, db *sqlstore.DB, r *kakehashi.Researcher) *kakehashi.Researcher {
	t.Helper()
	if err := db.CreateResearcher(context.Background(), r, admin()); err != nil {
		t.Fatalf("create researcher: %v", err)
	}
	return r
}

func testResearcherRoundTrip(t *testing.T, newDSN NewDSN) {
	ctx := context.Background()
	db := Open(t, newDSN)
	o := mustOrg(t, db, "r1", "JP")
	seed := mustListing(t, db, Listing(o.ID, "r1"))
	u := &kakehashi.User{Email: "aiko@r1.example", Name: "Aiko", OrgID: o.ID, OrgRole: kakehashi.RoleMember}
	if err := db.CreateUser(ctx, u, admin()); err != nil {
		t.Fatal(err)
	}
	r := Researcher(o.ID, "Aiko")
	r.UserID = u.ID
	r.ORCID = "https://orcid.org/0000-0002-1825-0097"
	r.OpenAlexID = "A5000000001"
	r.ListingIDs = []int64{seed.ID}
	mustResearcher(t, db, r)
	if r.ID == 0 || r.ORCID != "0000-0002-1825-0097" {
		t.Fatalf("created %+v", r)
	}
	got, err := db.Researcher(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
	}
	r.Career = kakehashi.CareerMid
	r.OpenTo = kakehashi.Openness{Startup: true}
	r.ListingIDs = nil
	if err := db.UpdateResearcher(ctx, r, admin()); err != nil {
		t.Fatal(err)
	}
	got, err = db.Researcher(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Career != kakehashi.CareerMid || !got.OpenTo.Startup || got.OpenTo.IndustryCollaboration || len(got.ListingIDs) != 0 {
		t.Errorf("after update: %+v", got)
	}
	_, err = db.Researcher(ctx, r.ID+100)
	wantCode(t, err, kakehashi.ENOTFOUND)
	missing := Researcher(o.ID, "Ghost")
	missing.ID = r.ID + 100
	wantCode(t, db.UpdateResearcher(ctx, missing, admin()), kakehashi.ENOTFOUND)
}

func testResearcherFilters(t *testing.T, newDSN NewDSN) {
	ctx := context.Background()
	db := Open(t, newDSN)
	jp := mustOrg(t, db, "rf-jp", "JP")
	gb := Org("rf-gb", "GB")
	gb.Kind = kakehashi.OrgCompany
	if err := db.CreateOrganization(ctx, gb, admin()); err != nil {
		t.Fatal(err)
	}
	a := mustResearcher(t, db, Researcher(jp.ID, "Aiko Tanaka"))
	b := Researcher(gb.ID, "Ben Hughes")
	b.Career, b.OpenTo, b.Keywords = kakehashi.CareerSenior, kakehashi.Openness{CrossAppointment: true}, []string{"Battery_Recycling 100%"}
	mustResearcher(t, db, b)
	c := Researcher(jp.ID, "Chie Sato")
	c.OpenTo = kakehashi.Openness{}
	mustResearcher(t, db, c)
	ids := func(f kakehashi.ResearcherFilter) []int64 {
		t.Helper()
		rs, err := db.Researchers(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	for name, c := range map[string]struct {
		f    kakehashi.ResearcherFilter
		want []int64
	}{
		"all":         {kakehashi.ResearcherFilter{}, []int64{a.ID, b.ID, c.ID}},
		"country":     {kakehashi.ResearcherFilter{Country: "GB"}, []int64{b.ID}},
		"org kind":    {kakehashi.ResearcherFilter{OrgKind: kakehashi.OrgUniversity}, []int64{a.ID, c.ID}},
		"org":         {kakehashi.ResearcherFilter{OrgID: jp.ID}, []int64{a.ID, c.ID}},
		"career":      {kakehashi.ResearcherFilter{CareerStage: kakehashi.CareerSenior}, []int64{b.ID}},
		"open any":    {kakehashi.ResearcherFilter{OpenTo: kakehashi.OpenToAny}, []int64{a.ID, b.ID}},
		"open cross":  {kakehashi.ResearcherFilter{OpenTo: kakehashi.OpenToCrossAppointment}, []int64{b.ID}},
		"name query":  {kakehashi.ResearcherFilter{Query: "tanaka"}, []int64{a.ID}},
		"ja query":    {kakehashi.ResearcherFilter{Query: "研究者 Chie"}, []int64{c.ID}},
		"keyword":     {kakehashi.ResearcherFilter{Query: "battery_recycling 100%"}, []int64{b.ID}},
		"literal _":   {kakehashi.ResearcherFilter{Query: "battery-recycling"}, []int64{}},
		"after+limit": {kakehashi.ResearcherFilter{After: a.ID, Limit: 1}, []int64{b.ID}},
	} {
		if got := ids(c.f); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", name, got, c.want)
		}
	}
	_, err := db.Researchers(ctx, kakehashi.ResearcherFilter{Country: "UK"})
	wantCode(t, err, kakehashi.EINVALID)
}

func testResearcherConflictsAndInvalid(t *testing.T, newDSN NewDSN) {
	ctx := context.Background()
	db := Open(t, newDSN)
	o := mustOrg(t, db, "rc", "JP")
	other := mustOrg(t, db, "rc2", "US")
	need := Listing(o.ID, "rc-need")
	need.Side, need.Kind, need.IP = kakehashi.SideNeed, kakehashi.KindChallenge, kakehashi.IP{Status: kakehashi.IPNone}
	mustListing(t, db, need)
	a := Researcher(o.ID, "A")
	a.ORCID, a.OpenAlexID = "0000-0002-1694-233X", "A123"
	mustResearcher(t, db, a)

	field := func(err error, name string) string {
		for _, f := range kakehashi.FieldErrors(err) {
			if f.Field == name {
				return f.Message
			}
		}
		return ""
	}
	dup := Researcher(o.ID, "B")
	dup.ORCID = "0000-0002-1694-233x"
	err := db.CreateResearcher(ctx, dup, admin())
	wantCode(t, err, kakehashi.ECONFLICT)
	if field(err, "orcid") == "" {
		t.Errorf("duplicate ORCID: no orcid field in %v", err)
	}
	dup = Researcher(o.ID, "C")
	dup.OpenAlexID = "https://openalex.org/A123"
	wantCode(t, db.CreateResearcher(ctx, dup, admin()), kakehashi.ECONFLICT)

	bad := Researcher(o.ID, "D")
	bad.ORCID = "0000-0002-1694-2331"
	err = db.CreateResearcher(ctx, bad, admin())
	wantCode(t, err, kakehashi.EINVALID)
	if m := field(err, "orcid"); !strings.HasPrefix(m, "check digit") {
		t.Errorf("orcid message %q", m)
	}
	bad = Researcher(o.ID+999, "E")
	bad.ListingIDs = []int64{need.ID, need.ID + 999}
	err = db.CreateResearcher(ctx, bad, admin())
	wantCode(t, err, kakehashi.EINVALID)
	for _, f := range []string{"org_id", "listing_ids[0]", "listing_ids[1]"} {
		if field(err, f) == "" {
			t.Errorf("no %s problem in %v", f, err)
		}
	}
	u := &kakehashi.User{Email: "x@rc2.example", Name: "X", OrgID: other.ID, OrgRole: kakehashi.RoleMember}
	if err := db.CreateUser(ctx, u, admin()); err != nil {
		t.Fatal(err)
	}
	bad = Researcher(o.ID, "F")
	bad.UserID = u.ID
	err = db.CreateResearcher(ctx, bad, admin())
	wantCode(t, err, kakehashi.EINVALID)
	if field(err, "user_id") == "" {
		t.Errorf("no user_id problem in %v", err)
	}
	// Nothing half-written: only the first researcher exists.
	rs, err := db.Researchers(ctx, kakehashi.ResearcherFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Errorf("%d researchers stored, want 1", len(rs))
	}
}

func testResearcherLinks(t *testing.T, newDSN NewDSN) {
	ctx := context.Background()
	db := Open(t, newDSN)
	o := mustOrg(t, db, "rl", "GB")
	s1 := mustListing(t, db, Listing(o.ID, "rl1"))
	s2 := mustListing(t, db, Listing(o.ID, "rl2"))
	r := mustResearcher(t, db, Researcher(o.ID, "Link"))
	before, err := db.ResearchersStamp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := db.LinkResearcherListing(ctx, r.ID, s2.ID, admin()); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.LinkResearcherListing(ctx, r.ID, s1.ID, admin()); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.LinkResearcherListing(ctx, r.ID, s1.ID+999, admin()), kakehashi.ENOTFOUND)
	wantCode(t, db.LinkResearcherListing(ctx, r.ID+999, s1.ID, admin()), kakehashi.ENOTFOUND)
	got, err := db.Researcher(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.ListingIDs, []int64{s1.ID, s2.ID}) {
		t.Errorf("links %v, want [%d %d]", got.ListingIDs, s1.ID, s2.ID)
	}
	after, err := db.ResearchersStamp(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after == before {
		t.Error("linking did not change the researchers stamp")
	}
	behind, err := db.Researchers(ctx, kakehashi.ResearcherFilter{ListingID: s2.ID})
	if err != nil || len(behind) != 1 || behind[0].ID != r.ID {
		t.Errorf("researchers behind listing: %v %v", behind, err)
	}
	var found int64
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		found, err = db.FindResearcherTx(ctx, tx, "", "")
		return err
	})
	if err != nil || found != 0 {
		t.Errorf("find with no keys: %d %v", found, err)
	}
}
