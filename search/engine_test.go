package search_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/internal/testwait"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/sqlstore"
	"github.com/kakehashi/kakehashi/sqlstore/storetest"
	"github.com/kakehashi/kakehashi/textproc"
)

var (
	analyzerOnce sync.Once
	analyzer     *textproc.Analyzer
)

func sharedAnalyzer(t testing.TB) *textproc.Analyzer {
	analyzerOnce.Do(func() {
		var err error
		if analyzer, err = textproc.New(); err != nil {
			t.Fatal(err)
		}
	})
	return analyzer
}

var system = kakehashi.SystemActor("test")

type fixture struct {
	db      *sqlstore.DB
	engine  *search.Engine
	jp, us  *kakehashi.Organization
	byTitle map[string]*kakehashi.Listing
}

func listing(org int64, side kakehashi.Side, kind kakehashi.ListingKind, lang, title, summary, body string) *kakehashi.Listing {
	return &kakehashi.Listing{OrgID: org, Side: side, Kind: kind, Language: lang, Title: title, Summary: summary, Body: body,
		TRL: 4, IP: kakehashi.IP{Status: kakehashi.IPNone}, Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, func(t *testing.T) string { return filepath.Join(t.TempDir(), "k.db") })
	f := &fixture{db: db, byTitle: map[string]*kakehashi.Listing{}}
	f.jp, f.us = storetest.Org("jp", "JP"), storetest.Org("us", "US")
	for _, o := range []*kakehashi.Organization{f.jp, f.us} {
		if err := db.CreateOrganization(ctx, o, system); err != nil {
			t.Fatal(err)
		}
	}
	seed, need := kakehashi.SideSeed, kakehashi.SideNeed
	ls := []*kakehashi.Listing{
		listing(f.jp.ID, seed, kakehashi.KindTechnology, "ja", "全固体電池の開発", "硫化物系固体電解質を用いた全固体電池の開発を行っています。", "イオン伝導度は室温で12 mS/cm。"),
		listing(f.us.ID, seed, kakehashi.KindTechnology, "en", "Sodium-ion batteries for grid storage", "Hard-carbon anodes for sodium-ion cells.", "Cycle life above 5000 cycles."),
		listing(f.us.ID, seed, kakehashi.KindDataset, "en", "Chest X-ray dataset", "100,000 annotated chest radiographs.", "De-identified images with radiologist labels."),
		listing(f.jp.ID, need, kakehashi.KindChallenge, "ja", "車載用電池の固体電解質を求む", "全固体電池向けの固体電解質材料を探しています。", "量産可能なプロセスを持つパートナーを希望。"),
		listing(f.us.ID, need, kakehashi.KindPartnerSearch, "en", "AI triage of chest radiographs", "We need a model that flags urgent chest X-rays.", "Deployment in an emergency department."),
	}
	members := listing(f.jp.ID, seed, kakehashi.KindPatent, "en", "Members-only battery separator", "A ceramic separator for batteries.", "Secret sauce.")
	members.Visibility, members.IP = kakehashi.VisibilityMembers, kakehashi.IP{Status: kakehashi.IPGranted, Patents: []string{"JP7000001B2"}}
	conf := listing(f.jp.ID, seed, kakehashi.KindTechnology, "en", "Confidential electrode coating", "A coating for electrodes.", "Uses zirconium fluoride nanolayers.")
	conf.Visibility = kakehashi.VisibilityConfidential
	draft := listing(f.jp.ID, seed, kakehashi.KindTechnology, "en", "Draft battery idea", "Not ready.", "")
	draft.Status = kakehashi.StatusDraft
	ls = append(ls, members, conf, draft)
	for _, l := range ls {
		if err := db.CreateListing(ctx, l, system); err != nil {
			t.Fatal(err)
		}
		f.byTitle[l.Title] = l
	}
	f.engine = search.New(sharedAnalyzer(t), db, search.Options{Now: db.Now})
	if err := f.engine.Build(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) search(t *testing.T, q search.Query) []string {
	t.Helper()
	res, err := f.engine.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, h := range res.Hits {
		titles = append(titles, h.Listing.Title)
	}
	return titles
}

func TestJapaneseQueryFindsCompound(t *testing.T) {
	f := newFixture(t)
	got := f.search(t, search.Query{Text: "電池", Filter: search.Filter{Side: kakehashi.SideSeed}})
	if len(got) == 0 || got[0] != "全固体電池の開発" {
		t.Fatalf("電池 found %q; want 全固体電池の開発 first", got)
	}
	res, _ := f.engine.Search(context.Background(), search.Query{Text: "電池", Filter: search.Filter{Side: kakehashi.SideSeed}})
	tm := res.Hits[0].Explanation.Terms
	if len(tm) != 1 || tm[0].Term != "電池" || !slices.Contains(tm[0].Fields, "title") || !slices.Contains(tm[0].Fields, "summary") || tm[0].Contribution <= 0 {
		t.Fatalf("explanation %+v", tm)
	}
}

func TestEnglishStemming(t *testing.T) {
	f := newFixture(t)
	got := f.search(t, search.Query{Text: "battery", Filter: search.Filter{Side: kakehashi.SideSeed}})
	if len(got) != 1 || got[0] != "Sodium-ion batteries for grid storage" {
		t.Fatalf("battery (anonymous) found %q", got)
	}
	res, _ := f.engine.Search(context.Background(), search.Query{Text: "battery"})
	if s := res.Hits[0].Explanation.Terms[0].Surfaces; !slices.Equal(s, []string{"batteries"}) {
		t.Fatalf("surface forms %q, want the listing's own word", s)
	}
}

func TestVisibility(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other := &kakehashi.User{ID: 9, OrgID: f.us.ID, OrgRole: kakehashi.RoleMember}
	owner := &kakehashi.User{ID: 8, OrgID: f.jp.ID, OrgRole: kakehashi.RoleMember}
	staff := &kakehashi.User{ID: 7, PlatformRole: kakehashi.PlatformCoordinator}
	cases := []struct {
		name   string
		viewer *kakehashi.User
		text   string
		want   []string
	}{
		{"anonymous sees public only", nil, "battery separator", []string{"Sodium-ion batteries for grid storage"}},
		{"members see members listings", other, "separator", []string{"Members-only battery separator"}},
		{"confidential title is searchable by members", other, "electrode coating", []string{"Confidential electrode coating"}},
		{"confidential body is not searchable by others", other, "zirconium", nil},
		{"confidential body is searchable by its owner", owner, "zirconium", []string{"Confidential electrode coating"}},
		{"confidential body is searchable by staff", staff, "zirconium", []string{"Confidential electrode coating"}},
		{"drafts are hidden from others", other, "draft idea", nil},
		{"drafts are seen by their organization", &kakehashi.User{ID: 6, OrgID: f.jp.ID}, "draft idea", []string{"Draft battery idea"}},
		{"no country filter reveals a confidential owner", other, "coating", []string{"Confidential electrode coating"}},
	}
	for _, c := range cases {
		got := f.search(t, search.Query{Text: c.text, Viewer: c.viewer})
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	if got := f.search(t, search.Query{Text: "coating", Viewer: other, Filter: search.Filter{Country: "JP"}}); len(got) != 0 {
		t.Errorf("country filter found a confidential listing for an outsider: %q", got)
	}
	res, _ := f.engine.Search(ctx, search.Query{Text: "coating", Viewer: other})
	h := res.Hits[0]
	if !h.Listing.OrgHidden || !h.Listing.BodyHidden || h.Listing.Body != "" || h.Listing.OrgID != 0 {
		t.Fatalf("confidential hit not redacted: %+v", h.Listing)
	}
	// Facets and totals count only what the viewer may see.
	res, _ = f.engine.Search(ctx, search.Query{Text: "battery separator coating draft", Facets: true})
	if res.Total != 1 || res.Facets["side"]["seed"] != 1 {
		t.Fatalf("anonymous total %d, facets %v", res.Total, res.Facets["side"])
	}
	res, _ = f.engine.Search(ctx, search.Query{Facets: true, Viewer: other})
	if res.Total != 7 || res.Facets["country"]["JP"] != 3 {
		t.Fatalf("browse as member: total %d, countries %v (the confidential JP listing must not count)", res.Total, res.Facets["country"])
	}
}

func TestFilters(t *testing.T) {
	f := newFixture(t)
	if got := f.search(t, search.Query{Text: "chest", Filter: search.Filter{Side: kakehashi.SideNeed}}); !slices.Equal(got, []string{"AI triage of chest radiographs"}) {
		t.Errorf("side filter: %q", got)
	}
	if got := f.search(t, search.Query{Text: "chest", Filter: search.Filter{Kind: kakehashi.KindDataset}}); !slices.Equal(got, []string{"Chest X-ray dataset"}) {
		t.Errorf("kind filter: %q", got)
	}
	if got := f.search(t, search.Query{Text: "電池 battery", Filter: search.Filter{Country: "JP"}}); slices.Contains(got, "Sodium-ion batteries for grid storage") {
		t.Errorf("country filter: %q", got)
	}
	if got := f.search(t, search.Query{Text: "chest", Filter: search.Filter{TRLMin: 5}}); len(got) != 0 {
		t.Errorf("TRL filter: %q", got)
	}
	err := (&search.Filter{Country: "UK", TRLMin: 7, TRLMax: 3}).Validate()
	if len(kakehashi.FieldErrors(err)) != 2 {
		t.Errorf("filter validation: %v", err)
	}
}

func TestOpenFilterAndDeadline(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	l := f.byTitle["AI triage of chest radiographs"]
	past := f.db.Now().Add(-48 * time.Hour)
	l.Deadline = &past
	if err := f.db.UpdateListing(ctx, l, system); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.search(t, search.Query{Text: "chest", Filter: search.Filter{Open: true, Side: kakehashi.SideNeed}}); len(got) != 0 {
		t.Fatalf("a need past its deadline is still open: %q", got)
	}
	if got := f.search(t, search.Query{Text: "chest", Filter: search.Filter{Side: kakehashi.SideNeed}}); len(got) != 1 {
		t.Fatalf("without the open filter: %q", got)
	}
}

func TestWriteSearchableWithinOneSecond(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.engine.Follow(ctx, 100*time.Millisecond)
	l := listing(f.us.ID, kakehashi.SideSeed, kakehashi.KindTechnology, "en", "Perovskite tandem solar cells", "28% efficient modules.", "")
	if err := f.db.CreateListing(ctx, l, system); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, time.Second, func() bool { return len(f.search(t, search.Query{Text: "perovskite"})) == 1 },
		"a new listing becoming searchable")
	// Changes and visibility changes follow too.
	l.Visibility = kakehashi.VisibilityMembers
	if err := f.db.UpdateListing(ctx, l, system); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, time.Second, func() bool { return len(f.search(t, search.Query{Text: "perovskite"})) == 0 },
		"a listing made members-only leaving anonymous search")
	// An organization moving country re-indexes its listings.
	f.us.Country = "CA"
	if err := f.db.UpdateOrganization(ctx, f.us, system); err != nil {
		t.Fatal(err)
	}
	testwait.For(t, time.Second, func() bool {
		return len(f.search(t, search.Query{Text: "chest", Filter: search.Filter{Country: "CA"}})) != 0
	}, "an organization's new country being indexed")
}

func TestMatchExplainsAndIsDeterministic(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	need := f.byTitle["車載用電池の固体電解質を求む"]
	need.PartnershipTypes = []kakehashi.PartnershipType{kakehashi.PartnerJointResearch}
	need.TargetCountries = []string{"US"}
	if err := f.db.UpdateListing(ctx, need, system); err != nil {
		t.Fatal(err)
	}
	f.engine.CatchUp(ctx)
	viewer := &kakehashi.User{ID: 5, OrgID: f.us.ID}
	res, err := f.engine.Match(ctx, need.ID, viewer, search.MatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) == 0 || res.Hits[0].Listing.Title != "全固体電池の開発" {
		t.Fatalf("need → seeds: %+v", res.Hits)
	}
	for _, h := range res.Hits {
		if h.Listing.Side != kakehashi.SideSeed {
			t.Fatalf("a need matched a %s", h.Listing.Side)
		}
	}
	ex := res.Hits[0].Explanation
	var terms []string
	for _, tm := range ex.Terms {
		terms = append(terms, tm.Term)
	}
	if !slices.Contains(terms, "固体") || !slices.Contains(terms, "電池") || len(ex.Fit) != 4 {
		t.Fatalf("explanation terms %q, fit %+v", terms, ex.Fit)
	}
	var sum float64
	for _, tm := range ex.Terms {
		sum += tm.Contribution
	}
	if d := sum - ex.TextScore; d > 1e-3*ex.TextScore || d < -1e-3*ex.TextScore {
		t.Fatalf("contributions add to %.4f, text score %.4f", sum, ex.TextScore)
	}
	if len(res.Organizations) == 0 || res.Organizations[0].Organization.ID != f.jp.ID {
		t.Fatalf("organizations: %+v", res.Organizations)
	}
	again, _ := f.engine.Match(ctx, need.ID, viewer, search.MatchOptions{})
	a, _ := json.Marshal(again)
	b, _ := json.Marshal(res)
	if string(a) != string(b) {
		t.Fatal("two identical matches differ")
	}
	if _, err := f.engine.Match(ctx, f.byTitle["Draft battery idea"].ID, nil, search.MatchOptions{}); kakehashi.ErrorCode(err) != kakehashi.ENOTFOUND {
		t.Fatalf("anonymous match on a draft: %v", err)
	}
}

// TestMatchHidesConfidentialOwnersCountry checks that a match's
// explanation does not say where the owner of a confidential listing is to
// a viewer who may not know the owner: neither of the listing matched for
// (the need's country) nor of a confidential hit (the seed's country).
func TestMatchHidesConfidentialOwnersCountry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	store := func(l *kakehashi.Listing) *kakehashi.Listing {
		if err := f.db.CreateListing(ctx, l, system); err != nil {
			t.Fatal(err)
		}
		return l
	}
	// A JP organization's confidential need and a US seed looking for
	// partners in JP; a US need looking for partners in JP and the JP
	// organization's confidential seed.
	need := listing(f.jp.ID, kakehashi.SideNeed, kakehashi.KindChallenge, "en", "Quasar lattice wanted", "A quasar lattice coating.", "")
	need.Visibility = kakehashi.VisibilityConfidential
	store(need)
	seed := listing(f.us.ID, kakehashi.SideSeed, kakehashi.KindTechnology, "en", "Quasar lattice kit", "A quasar lattice coating.", "")
	seed.TargetCountries = []string{"JP"}
	store(seed)
	usNeed := listing(f.us.ID, kakehashi.SideNeed, kakehashi.KindChallenge, "en", "Vortex mesh wanted", "A vortex mesh filter.", "")
	usNeed.TargetCountries = []string{"JP"}
	store(usNeed)
	confSeed := listing(f.jp.ID, kakehashi.SideSeed, kakehashi.KindTechnology, "en", "Vortex mesh kit", "A vortex mesh filter.", "")
	confSeed.Visibility = kakehashi.VisibilityConfidential
	store(confSeed)
	if _, err := f.engine.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	outsider := &kakehashi.User{ID: 5, OrgID: f.us.ID}
	staff := &kakehashi.User{ID: 6, PlatformRole: kakehashi.PlatformCoordinator}
	for _, c := range []struct {
		of, hit *kakehashi.Listing
	}{{need, seed}, {usNeed, confSeed}} {
		for name, viewer := range map[string]*kakehashi.User{"another organization's member": outsider, "a coordinator": staff} {
			res, err := f.engine.Match(ctx, c.of.ID, viewer, search.MatchOptions{})
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(res.Hits, func(h search.Hit) bool { return h.Listing.ID == c.hit.ID })
			if i < 0 {
				t.Fatalf("%q does not match %q", c.hit.Title, c.of.Title)
			}
			var country *search.FitReason
			for j, r := range res.Hits[i].Explanation.Fit {
				if r.Check == "country" {
					country = &res.Hits[i].Explanation.Fit[j]
				}
			}
			named := country != nil && slices.Contains(country.Args, "JP")
			if want := viewer == staff; named != want {
				t.Errorf("%q matched for %q as %s: the country fit %+v names JP: %v, want %v", c.hit.Title, c.of.Title, name, country, named, want)
			}
		}
	}
}

// TestMaxScoreIsExact compares the pruned top-k with exhaustive scoring on
// random corpora and queries.
func TestMaxScoreIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := make([]string, 300)
	for i := range words {
		words[i] = fmt.Sprintf("w%03dx", i)
	}
	zipf := func() string { return words[min(int(rng.ExpFloat64()*40), len(words)-1)] }
	var ls []*kakehashi.Listing
	for i := range 2000 {
		var title, body string
		for range 3 + rng.IntN(5) {
			title += zipf() + " "
		}
		for range 20 + rng.IntN(80) {
			body += zipf() + " "
		}
		l := listing(1, kakehashi.SideSeed, kakehashi.KindTechnology, "en", title, "s", body)
		l.ID = int64(i + 1)
		ls = append(ls, l)
	}
	src := &memSource{ls: ls}
	e := search.New(sharedAnalyzer(t), src, search.Options{})
	if err := e.BuildFrom(context.Background(), ls, 2); err != nil {
		t.Fatal(err)
	}
	for q := range 200 {
		text := ""
		for range 1 + rng.IntN(8) {
			text += zipf() + " "
		}
		k := 1 + rng.IntN(20)
		pruned, exhaustive := e.DebugCompare(text, k)
		if !slices.Equal(pruned, exhaustive) {
			t.Fatalf("query %d %q k=%d:\npruned     %v\nexhaustive %v", q, text, k, pruned, exhaustive)
		}
	}
}

type memSource struct{ ls []*kakehashi.Listing }

func (m *memSource) ScanListings(ctx context.Context, after int64, limit int) ([]*kakehashi.Listing, error) {
	var out []*kakehashi.Listing
	for _, l := range m.ls {
		if l.ID > after && len(out) < limit {
			out = append(out, l)
		}
	}
	return out, nil
}

func (m *memSource) ListingsByID(ctx context.Context, ids []int64) ([]*kakehashi.Listing, error) {
	var out []*kakehashi.Listing
	for _, l := range m.ls {
		if slices.Contains(ids, l.ID) {
			out = append(out, l)
		}
	}
	return out, nil
}

func (m *memSource) Organization(ctx context.Context, id int64) (*kakehashi.Organization, error) {
	return &kakehashi.Organization{ID: id, Name: "Org", Country: "JP", Kind: kakehashi.OrgUniversity}, nil
}

func (m *memSource) ListingChanges(ctx context.Context, after int64, limit int) ([]kakehashi.ListingChange, error) {
	return nil, nil
}
