package httpapi_test

// The export-control gate through the API: an organization that screening
// flagged cannot move its country to slip past the gate, and every route
// that opens an introduction holds one from a flagged organization on a
// controlled listing until a coordinator clears it.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/compliance"
	"github.com/kakehashi/kakehashi/httpapi"
	"github.com/kakehashi/kakehashi/screening"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

// gateList names one company; its country is CN.
const gateList = `id,name,aliases,country,source,programs
EUL-1,Shenyang Precision Optics Co Ltd,SPO Group,CN,JP End User List,missile
`

// gateEnv is an API env with the list loaded and a flagged organization
// (listed, CN) whose org admin and member are signed in.
type gateEnv struct {
	*testEnv
	listed              *kakehashi.Organization
	listedAdmin         *kakehashi.User
	listedAdminSession  cred
	listedMember        *kakehashi.User
	listedMemberSession cred
}

func newGateEnv(t *testing.T, dsn storetest.NewDSN) *gateEnv {
	t.Helper()
	e := newEnv(t, dsn, httpapi.Config{})
	g := &gateEnv{testEnv: e}
	g.listed = &kakehashi.Organization{Name: "Shenyang Precision Optics Co., Ltd.", Kind: kakehashi.OrgCompany, Country: "CN"}
	if err := e.db.CreateOrganization(context.Background(), g.listed, system); err != nil {
		t.Fatal(err)
	}
	g.listedAdmin = e.user("listed-admin", g.listed.ID, kakehashi.RoleOrgAdmin, kakehashi.PlatformNone, "password of listed admin")
	g.listedAdminSession = session(e.signIn(g.listedAdmin.Email, "password of listed admin"))
	g.listedMember = e.user("listed-member", g.listed.ID, kakehashi.RoleMember, kakehashi.PlatformNone, "password of listed member")
	g.listedMemberSession = session(e.signIn(g.listedMember.Email, "password of listed member"))
	entries, err := screening.ParseCSV(strings.NewReader(gateList))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := compliance.New(e.db, compliance.Config{}).Load(context.Background(), "jp-eul", "csv", "eul.csv", entries, system)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.NewMatches) != 1 || rep.NewMatches[0] != g.listed.Name {
		t.Fatalf("load report %+v: want %q flagged", rep, g.listed.Name)
	}
	return g
}

// controlled stores an open public export-control-relevant listing of the
// owner organization (JP).
func (g *gateEnv) controlled() *kakehashi.Listing {
	return g.listing(g.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen, func(l *kakehashi.Listing) { l.Controlled = true })
}

func (g *gateEnv) orgCountry(t *testing.T) string {
	t.Helper()
	o, err := g.db.Organization(context.Background(), g.listed.ID)
	if err != nil {
		t.Fatal(err)
	}
	return o.Country
}

// wantHeld checks that introduction id is held for screening and that the
// owner's organization admin cannot accept it.
func (g *gateEnv) wantHeld(t *testing.T, id int64) {
	t.Helper()
	in, err := g.db.Introduction(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if in.Hold != kakehashi.HoldScreening || in.Stage != kakehashi.StageInterest {
		t.Fatalf("introduction %d is at %s with hold %q: want held for screening at interest", id, in.Stage, in.Hold)
	}
	g.do("POST", fmt.Sprintf("/introductions/%d/transitions", id), map[string]string{"to": "introduced"}, g.as(ownerAdmin)).wantProblem(t, s409, "body.to")
	if in, _ := g.db.Introduction(context.Background(), id); in.Stage != kakehashi.StageInterest {
		t.Fatalf("the owner accepted a held introduction: stage %s", in.Stage)
	}
}

func TestExportControlGate(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			t.Run("CountryFlip", func(t *testing.T) { testCountryFlip(t, newGateEnv(t, b.dsn)) })
			t.Run("FlaggedWhateverTheCountry", func(t *testing.T) { testFlaggedWhateverTheCountry(t, newGateEnv(t, b.dsn)) })
			t.Run("EveryCreationRoute", func(t *testing.T) { testEveryCreationRoute(t, newGateEnv(t, b.dsn)) })
			t.Run("FlaggingHoldsOpenInterests", func(t *testing.T) { testFlaggingHoldsOpenInterests(t, newGateEnv(t, b.dsn)) })
		})
	}
}

// testCountryFlip is the attack of the security issue: the flagged
// organization's admin moves it to the owner's country, expresses interest
// and moves it back, and the owner accepts. The move is refused (and so is
// a rename); the interest is held; the owner cannot accept it.
func testCountryFlip(t *testing.T, g *gateEnv) {
	l := g.controlled()
	path := fmt.Sprintf("/organizations/%d", g.listed.ID)
	p := g.do("PATCH", path, map[string]string{"country": "JP"}, g.listedAdminSession).wantProblem(t, s403, "body.country")
	if !strings.Contains(p.Detail, "coordinator") {
		t.Errorf("the refusal does not say who may change the country: %q", p.Detail)
	}
	if c := g.orgCountry(t); c != "CN" {
		t.Fatalf("the refused change was stored: country %s", c)
	}
	in := g.do("POST", fmt.Sprintf("/listings/%d/interest", l.ID), map[string]string{"message": "Interested."}, g.listedMemberSession).want(t, s201).obj(t)
	g.do("PATCH", path, map[string]string{"country": "CN"}, g.listedAdminSession).want(t, s200)
	g.wantHeld(t, id(in, "id"))
	// Nor may a new name screen it clear and release its interests.
	g.do("PATCH", path, map[string]any{"name": "Harmless Lenses Ltd", "aliases": []string{}}, g.listedAdminSession).wantProblem(t, s403, "body.name")
	g.wantHeld(t, id(in, "id"))
	// Other fields stay the org admin's to change.
	g.do("PATCH", path, map[string]string{"description": "Optics."}, g.listedAdminSession).want(t, s200)
}

// testFlaggedWhateverTheCountry: once a coordinator has moved the flagged
// organization to the owner's country (re-screened and audited in the
// same write), its interests in controlled listings are still held, and so
// are those it had opened before.
func testFlaggedWhateverTheCountry(t *testing.T, g *gateEnv) {
	ctx := context.Background()
	before := g.do("POST", fmt.Sprintf("/listings/%d/interest", g.controlled().ID), map[string]string{"message": "Interested."}, g.listedMemberSession).
		want(t, s201).obj(t)
	results := g.count(`SELECT COUNT(*) FROM screening_results WHERE org_id = $1`, g.listed.ID)
	g.do("PATCH", fmt.Sprintf("/organizations/%d", g.listed.ID), map[string]string{"country": "JP"}, g.as(coordinator)).want(t, s200)
	if c := g.orgCountry(t); c != "JP" {
		t.Fatalf("country %s after the coordinator's change", c)
	}
	if n := g.count(`SELECT COUNT(*) FROM screening_results WHERE org_id = $1`, g.listed.ID); n != results+1 {
		t.Fatalf("%d screenings after the country change, want %d: the change must re-screen", n, results+1)
	}
	r, err := g.db.LatestScreening(ctx, g.listed.ID)
	if err != nil || r.Status != kakehashi.ScreeningPotentialMatch {
		t.Fatalf("screening after the move: %+v %v", r, err)
	}
	audits, err := g.db.AuditEvents(ctx, kakehashi.AuditFilter{RecordType: "organization", RecordID: g.listed.ID, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	var update *kakehashi.AuditEvent
	for _, a := range audits {
		if a.Action == "organization.update" {
			update = a
		}
	}
	if update == nil || !strings.Contains(string(update.Details), `"CN"`) || !strings.Contains(string(update.Details), `"JP"`) {
		t.Fatalf("the country change is not audited with both countries: %+v", update)
	}
	after := g.do("POST", fmt.Sprintf("/listings/%d/interest", g.controlled().ID), map[string]string{"message": "Interested."}, g.listedMemberSession).
		want(t, s201).obj(t)
	g.wantHeld(t, id(after, "id"))
	g.wantHeld(t, id(before, "id"))
	// A plain listing is not gated.
	plain := g.listing(g.own.ID, kakehashi.VisibilityPublic, kakehashi.StatusOpen)
	in := g.do("POST", fmt.Sprintf("/listings/%d/interest", plain.ID), map[string]string{"message": "Interested."}, g.listedMemberSession).want(t, s201).obj(t)
	if in["hold"] != nil {
		t.Fatalf("an interest in a plain listing was held: %v", in)
	}
}

// testEveryCreationRoute opens an introduction from the flagged
// organization on a controlled listing by every API route that opens one.
func testEveryCreationRoute(t *testing.T, g *gateEnv) {
	ctx := context.Background()
	routes := []struct {
		name string
		open func(t *testing.T) int64
	}{
		{"POST /listings/{id}/interest", func(t *testing.T) int64 {
			r := g.do("POST", fmt.Sprintf("/listings/%d/interest", g.controlled().ID), map[string]string{"message": "Interested."}, g.listedMemberSession)
			return id(r.want(t, s201).obj(t), "id")
		}},
		{"POST /meetings/{id}/introduction", func(t *testing.T) int64 {
			_, m := g.meeting(g.own.ID, g.listedMember, g.actors[ownerMember].user, g.controlled().ID)
			if _, err := g.db.MarkMeeting(ctx, m.ID, kakehashi.MeetingHeld, system); err != nil {
				t.Fatal(err)
			}
			r := g.do("POST", fmt.Sprintf("/meetings/%d/introduction", m.ID), nil, g.listedMemberSession)
			return id(r.want(t, s201).obj(t), "id")
		}},
		{"POST /proposals/{id}/stage (adopted)", func(t *testing.T) int64 {
			c := g.call()
			l, err := g.db.Listing(ctx, c.ListingID)
			if err != nil {
				t.Fatal(err)
			}
			l.Controlled = true
			if err := g.db.UpdateListing(ctx, l, system); err != nil {
				t.Fatal(err)
			}
			p := &kakehashi.Proposal{CallID: c.ID, Summary: "Optics for the buses.", Approach: "Two steps.", TRL: 4, Team: "Three.", BudgetRequested: 1000}
			if err := g.db.CreateProposal(ctx, p, g.listedMember); err != nil {
				t.Fatal(err)
			}
			if _, err := g.db.SubmitProposal(ctx, p.ID, g.listedMember); err != nil {
				t.Fatal(err)
			}
			for _, to := range []kakehashi.ProposalStatus{kakehashi.ProposalScreening, kakehashi.ProposalReview, kakehashi.ProposalFinalist} {
				if _, err := g.db.MoveProposal(ctx, p.ID, kakehashi.ProposalMove{To: to}, system); err != nil {
					t.Fatal(err)
				}
			}
			r := g.do("POST", fmt.Sprintf("/proposals/%d/stage", p.ID), map[string]string{"to": "adopted", "feedback": "Strong."}, g.as(ownerAdmin))
			r.want(t, s200)
			adopted, err := g.db.Proposal(ctx, p.ID)
			if err != nil || adopted.Status != kakehashi.ProposalAdopted || adopted.IntroductionID == 0 {
				t.Fatalf("adopted proposal %+v %v", adopted, err)
			}
			return adopted.IntroductionID
		}},
	}
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) { g.wantHeld(t, r.open(t)) })
	}
}

// testFlaggingHoldsOpenInterests: a new list version that flags the third
// organization holds its open interest in a controlled listing, and an
// interest that escaped the gate (stored before it existed) is held when
// the owner tries to accept it.
func testFlaggingHoldsOpenInterests(t *testing.T, g *gateEnv) {
	ctx := context.Background()
	third := session(g.signIn(g.third.Email, "password of third"))
	in := g.do("POST", fmt.Sprintf("/listings/%d/interest", g.controlled().ID), map[string]string{"message": "Interested."}, third).want(t, s201).obj(t)
	if in["hold"] != nil {
		t.Fatalf("a clear organization's interest was held: %v", in)
	}
	o, err := g.db.Organization(ctx, g.third.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := screening.ParseCSV(strings.NewReader(gateList + "EUL-3," + o.Name + ",,GB,JP End User List,chemical\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := compliance.New(g.db, compliance.Config{}).Load(ctx, "jp-eul", "csv", "eul-2.csv", entries, system); err != nil {
		t.Fatal(err)
	}
	g.wantHeld(t, id(in, "id"))

	var legacy int64
	if err := g.db.SQL().QueryRowContext(ctx, `INSERT INTO introductions (listing_id, owner_org_id, requester_id, requester_org_id, message, stage,
		stage_changed_at, created_at, updated_at, hold) VALUES ($1, $2, $3, $4, 'Old.', 'interest', $5, $5, $5, '') RETURNING id`,
		g.controlled().ID, g.own.ID, g.listedMember.ID, g.listed.ID, time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)).Scan(&legacy); err != nil {
		t.Fatal(err)
	}
	g.do("POST", fmt.Sprintf("/introductions/%d/transitions", legacy), map[string]string{"to": "introduced"}, g.as(ownerAdmin)).wantProblem(t, s409, "body.to")
	g.wantHeld(t, legacy)
}
