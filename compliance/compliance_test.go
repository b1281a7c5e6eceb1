package compliance_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/compliance"
	"github.com/kakehashi/kakehashi/screening"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
)

const list = `id,name,aliases,country,source,programs
EUL-1,Shenyang Precision Optics Co Ltd,SPO Group;Shenyang Optics,CN,JP End User List,missile
EUL-2,Northern Quantum Devices LLC,,RU,JP End User List,nuclear;chemical
`

type fixture struct {
	db                        *sqlstore.DB
	svc                       *compliance.Service
	owner, listed, unlisted   *kakehashi.Organization
	ownerUser, listedUser     *kakehashi.User
	unlistedUser, coordinator *kakehashi.User
	controlled, plain         *kakehashi.Listing
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") })}
	sys := kakehashi.SystemActor("test")
	org := func(name, cc string) *kakehashi.Organization {
		o := &kakehashi.Organization{Name: name, Kind: kakehashi.OrgCompany, Country: cc}
		if err := f.db.CreateOrganization(ctx, o, sys); err != nil {
			t.Fatal(err)
		}
		return o
	}
	user := func(email string, o *kakehashi.Organization, pr kakehashi.PlatformRole) *kakehashi.User {
		u := &kakehashi.User{Email: email, Name: email, PlatformRole: pr}
		if o != nil {
			u.OrgID, u.OrgRole = o.ID, kakehashi.RoleMember
		}
		if err := f.db.CreateUser(ctx, u, sys); err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.owner = org("Kansai Institute of Technology", "JP")
	f.listed = org("Shenyang Precision Optics Co., Ltd.", "CN")
	f.unlisted = org("Cambridge Solid Ionics Ltd", "GB")
	f.ownerUser, f.listedUser, f.unlistedUser = user("o@example.jp", f.owner, ""), user("l@example.cn", f.listed, ""), user("u@example.co.uk", f.unlisted, "")
	f.coordinator = user("c@example.org", nil, kakehashi.PlatformCoordinator)
	listing := func(ext string, controlled bool) *kakehashi.Listing {
		l := storetest.Listing(f.owner.ID, ext)
		l.Controlled = controlled
		if err := f.db.CreateListing(ctx, l, sys); err != nil {
			t.Fatal(err)
		}
		return l
	}
	f.controlled, f.plain = listing("controlled", true), listing("plain", false)
	entries, err := screening.ParseCSV(strings.NewReader(list))
	if err != nil {
		t.Fatal(err)
	}
	f.svc = compliance.New(f.db, compliance.Config{})
	rep, err := f.svc.Load(ctx, "jp-eul", "csv", "eul.csv", entries, sys)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Screened != 3 || rep.Matches != 1 || len(rep.NewMatches) != 1 || rep.NewMatches[0] != f.listed.Name {
		t.Fatalf("load report %+v", rep)
	}
	return f
}

func (f *fixture) interest(t *testing.T, l *kakehashi.Listing, u *kakehashi.User) *kakehashi.Introduction {
	t.Helper()
	in := &kakehashi.Introduction{ListingID: l.ID, RequesterID: u.ID, RequesterOrgID: u.OrgID, Message: "Interested."}
	if err := f.svc.CreateIntroduction(context.Background(), in, u); err != nil {
		t.Fatal(err)
	}
	return in
}

func TestGateHoldsAPotentialMatchUntilCleared(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	held := f.interest(t, f.controlled, f.listedUser)
	if held.Hold != kakehashi.HoldScreening {
		t.Fatalf("an interest from a listed party in a controlled listing is not held: %+v", held)
	}
	if in := f.interest(t, f.plain, f.listedUser); in.Hold != "" {
		t.Fatal("a listing that is not export-control relevant was gated")
	}
	if in := f.interest(t, f.controlled, f.unlistedUser); in.Hold != "" {
		t.Fatal("a clear foreign party was held")
	}
	_, err := f.db.Transition(ctx, held.ID, kakehashi.Transition{To: kakehashi.StageIntroduced}, f.ownerUser)
	if kakehashi.ErrorCode(err) != kakehashi.ECONFLICT {
		t.Fatalf("accepting a held interest: %v", err)
	}
	if _, err := f.db.DecideScreening(ctx, f.listed.ID, kakehashi.DecisionCleared, "", f.coordinator); kakehashi.ErrorCode(err) != kakehashi.EINVALID {
		t.Fatalf("a decision without a reason: %v", err)
	}
	r, err := f.db.DecideScreening(ctx, f.listed.ID, kakehashi.DecisionCleared, "Different company: Liaoning registry no. 2101…", f.coordinator)
	if err != nil || r.Decision != kakehashi.DecisionCleared || r.DecidedBy != f.coordinator.ID {
		t.Fatalf("decision: %+v %v", r, err)
	}
	if _, err := f.db.Transition(ctx, held.ID, kakehashi.Transition{To: kakehashi.StageIntroduced}, f.ownerUser); err != nil {
		t.Fatalf("accepting after clearance: %v", err)
	}
	audits, _ := f.db.AuditEvents(ctx, kakehashi.AuditFilter{RecordType: "organization", RecordID: f.listed.ID, Limit: 50})
	var actions []string
	for _, a := range audits {
		actions = append(actions, a.Action)
	}
	if !strings.Contains(strings.Join(actions, ","), "screening.decide") {
		t.Fatalf("the decision is not audited: %v", actions)
	}
	// The same list loaded again keeps the reviewer's decision; a new
	// interest is not held.
	entries, _ := screening.ParseCSV(strings.NewReader(list))
	rep, err := f.svc.Load(ctx, "jp-eul", "csv", "eul.csv", entries, kakehashi.SystemActor("test"))
	if err != nil || len(rep.NewMatches) != 0 || len(rep.Cleared) != 0 {
		t.Fatalf("reload report %+v %v", rep, err)
	}
	latest, _ := f.db.LatestScreening(ctx, f.listed.ID)
	if latest.Decision != kakehashi.DecisionCleared || latest.ListVersion != rep.Version.ID {
		t.Fatalf("after a reload: %+v", latest)
	}
}

func TestNewVersionRescreens(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	// The next version drops the entry and adds one for a British company.
	next := `id,name,aliases,country,source,programs
EUL-2,Northern Quantum Devices LLC,,RU,JP End User List,nuclear
EUL-3,Cambridge Solid Ionics Limited,,GB,JP End User List,chemical
`
	entries, err := screening.ParseCSV(strings.NewReader(next))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Load(ctx, "jp-eul", "csv", "eul-2.csv", entries, kakehashi.SystemActor("test"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.NewMatches, ",") != f.unlisted.Name || strings.Join(rep.Cleared, ",") != f.listed.Name {
		t.Fatalf("report %+v: want %q newly matching and %q cleared", rep, f.unlisted.Name, f.listed.Name)
	}
	active, version, err := f.db.ActiveEntries(ctx)
	if err != nil || len(active) != 2 || version != rep.Version.ID {
		t.Fatalf("active entries after the new version: %d (version %d) %v", len(active), version, err)
	}
	versions, _ := f.db.ListVersions(ctx)
	if len(versions) != 2 || versions[0].FileName != "eul-2.csv" || versions[0].Entries != 2 {
		t.Fatalf("versions %+v", versions)
	}
	if found, _ := f.db.SearchEntries(ctx, "quantum", 10); len(found) != 1 || found[0].ID != "EUL-2" {
		t.Fatalf("browse %+v", found)
	}
}
