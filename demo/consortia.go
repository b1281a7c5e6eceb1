package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// The demo's consortia and funding calls, written for the project (every
// name is fictional): a JP-led consortium on cold-climate batteries with a
// pending request from a UK start-up, a UK-led one on grid storage with US
// members, funding calls of a Japanese foundation, a US small-business
// programme, a UK innovation agency and a Nordic fund (closed), and one
// introduction — a university's film solar cell for a builder's need —
// that the Japanese call fits.

type demoMember struct {
	org  string
	role kakehashi.MemberRole
}

type demoTask struct {
	title, owner string
	status       kakehashi.TaskStatus
	start, due   string
}

type demoConsortium struct {
	c       kakehashi.Consortium
	lead    string
	members []demoMember
	pending []demoMember
	shared  []string
	tasks   []demoTask
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err) // the demo's own constant dates
	}
	return t
}

func demoConsortia() []demoConsortium {
	return []demoConsortium{{
		lead: "demo:org:kansai-tech-univ",
		c: kakehashi.Consortium{Title: "Cold-climate solid-state battery consortium", TitleJA: "寒冷地向け全固体電池コンソーシアム",
			Description:   "A non-competitive research consortium on solid electrolytes, sodium-ion anodes and cell packaging for batteries that keep their capacity in Japanese winters.",
			DescriptionJA: "固体電解質、ナトリウムイオン電池負極、セル実装を対象に、日本の冬でも容量を保つ蓄電池を目指す非競争領域の研究コンソーシアムです。",
			Fields:        []string{"2.5", "2.4"}, Keywords: []string{"solid-state battery", "全固体電池", "固体電解質", "sodium-ion"},
			Start: day("2026-04-01"), End: day("2029-03-31"), Public: true},
		members: []demoMember{{"demo:org:aoba-denki", kakehashi.MemberMember}, {"demo:org:minato-seiki", kakehashi.MemberMember},
			{"demo:org:tohoku-adv-materials", kakehashi.MemberMember}, {"demo:org:kansai-oi-hub", kakehashi.MemberObserver}},
		pending: []demoMember{{"demo:org:cambridge-materials", kakehashi.MemberMember}},
		shared:  []string{"demo:seed:0007"},
		tasks: []demoTask{
			{"Survey of sulfide and oxide electrolytes", "demo:org:kansai-tech-univ", kakehashi.TaskDone, "2026-04-01", "2026-09-30"},
			{"Hard-carbon anode scale-up to 10 kg batches", "demo:org:tohoku-adv-materials", kakehashi.TaskActive, "2026-07-01", "2027-06-30"},
			{"Cell testing at −30 °C", "demo:org:aoba-denki", kakehashi.TaskPlanned, "2027-04-01", "2028-03-31"},
			{"Pilot module housing", "demo:org:minato-seiki", kakehashi.TaskPlanned, "2027-10-01", "2029-03-31"},
		},
	}, {
		lead: "demo:org:pennine-univ",
		c: kakehashi.Consortium{Title: "Transatlantic grid-scale storage consortium", TitleJA: "大西洋横断 系統用蓄電コンソーシアム",
			Description: "UK and US partners testing long-duration battery storage (four to eight hours) beyond lithium-ion, from sodium-ion cells to grid demonstration.",
			Fields:      []string{"2.2", "2.5"}, Keywords: []string{"grid storage", "long-duration storage", "sodium-ion", "battery safety"},
			Start: day("2026-01-01"), End: day("2028-12-31"), Public: true},
		members: []demoMember{{"demo:org:albion-grid-energy", kakehashi.MemberMember}, {"demo:org:voltforge-energy", kakehashi.MemberMember},
			{"demo:org:front-range-energy-lab", kakehashi.MemberMember}, {"demo:org:north-sea-hub", kakehashi.MemberObserver}},
		shared: []string{"demo:need:0008"},
		tasks: []demoTask{
			{"Sodium-ion cell benchmarking", "demo:org:front-range-energy-lab", kakehashi.TaskActive, "2026-03-01", "2027-02-28"},
			{"Grid demonstration site design", "demo:org:albion-grid-energy", kakehashi.TaskPlanned, "2027-01-01", "2028-06-30"},
		},
	}}
}

// demoFunding returns the demo's funding calls, with deadlines relative to
// now so that the open ones stay open: the funder's external id and the
// call.
func demoFunding(now time.Time) []struct {
	funder string
	f      kakehashi.FundingCall
} {
	at := func(months int, hourUTC int) time.Time {
		y, m, d := now.UTC().AddDate(0, months, 0).Date()
		return time.Date(y, m, d, hourUTC, 0, 0, 0, time.UTC)
	}
	anyResearch := []kakehashi.OrgKind{kakehashi.OrgUniversity, kakehashi.OrgResearchInstitute, kakehashi.OrgTLO,
		kakehashi.OrgCompany, kakehashi.OrgSME, kakehashi.OrgStartup}
	return []struct {
		funder string
		f      kakehashi.FundingCall
	}{
		{"demo:org:jp-science-frontier", kakehashi.FundingCall{
			Programme: "Industry–Academia Co-creation Programme: next-generation solar cells and batteries", ProgrammeJA: "産学共創プログラム(次世代太陽電池・蓄電池)",
			Description: "ペロブスカイト太陽電池やフィルム型太陽電池の建材への実装、全固体電池・ナトリウムイオン電池の量産技術について、大学・研究機関と企業が共同で取り組む研究開発を支援します。" +
				" Supports joint R&D between universities and companies on perovskite and film solar cells for buildings, and on solid-state and sodium-ion batteries.",
			EligibleKinds: anyResearch, EligibleCountries: []string{"JP"}, AmountMin: 10_000_000, AmountMax: 100_000_000, Currency: "JPY",
			Deadline: at(4, 8), MatchingRequired: true, Fields: []string{"2.2", "2.5"},
			Keywords: []string{"ペロブスカイト太陽電池", "太陽電池", "全固体電池", "蓄電池", "solar cell", "battery"}}},
		{"demo:org:us-fed-innovation", kakehashi.FundingCall{
			Programme:     "Small Business Advanced Technology Grants (SBATG), Phase I",
			Description:   "Feasibility grants for US small businesses and start-ups developing energy storage, battery safety, robotics and sensing technologies, alone or with a research partner.",
			EligibleKinds: []kakehashi.OrgKind{kakehashi.OrgSME, kakehashi.OrgStartup}, EligibleCountries: []string{"US"},
			AmountMin: 15_000_000, AmountMax: 27_500_000, Currency: "USD", Deadline: at(3, 21), Fields: []string{"2.2", "2.3"},
			Keywords: []string{"energy storage", "battery", "robotics", "sensors"}}},
		{"demo:org:uk-innovation-catalyst", kakehashi.FundingCall{
			Programme:         "Collaborative R&D Catalyst: net-zero energy systems",
			Description:       "Business-led collaborative projects with UK universities on long-duration grid storage, batteries beyond lithium-ion and low-carbon industrial heat. A business partner must contribute to the project costs.",
			EligibleKinds:     []kakehashi.OrgKind{kakehashi.OrgCompany, kakehashi.OrgSME, kakehashi.OrgStartup, kakehashi.OrgUniversity, kakehashi.OrgResearchInstitute},
			EligibleCountries: []string{"GB"}, AmountMin: 25_000_000, AmountMax: 200_000_000, Currency: "GBP", Deadline: at(5, 11), MatchingRequired: true,
			Fields: []string{"2.2", "2.7"}, Keywords: []string{"grid storage", "long-duration storage", "battery", "net zero"}}},
		{"demo:org:nordic-green-fund", kakehashi.FundingCall{
			Programme:     "Circular battery materials demonstration",
			Description:   "Demonstration funding for recycling black mass and recovering battery-grade metals in the Nordic countries.",
			EligibleKinds: []kakehashi.OrgKind{kakehashi.OrgCompany, kakehashi.OrgSME, kakehashi.OrgStartup}, EligibleCountries: []string{"SE", "NO", "DK", "FI"},
			AmountMin: 100_000_000, AmountMax: 1_000_000_000, Currency: "SEK", Deadline: at(-1, 12), Fields: []string{"2.7"},
			Keywords: []string{"battery recycling", "black mass"}}},
	}
}

// DemoIntroduction names the demo's introduction: the university's film
// perovskite solar cell seed answering the builder's need, requested by
// the university's researcher.
var DemoIntroduction = struct{ Need, Seed, Requester string }{"demo:need:0028", "demo:seed:0011", "researcher@kansai-tech.example"}

// loadConsortia adds the consortia, funding calls and the introduction. It
// runs once, in the load that creates the demo.
func loadConsortia(ctx context.Context, db *sqlstore.DB, res *Result) error {
	actor := kakehashi.SystemActor("demo")
	if done, err := db.Consortia(ctx, kakehashi.ConsortiumFilter{Viewer: actor, Limit: 1}); err != nil {
		return err
	} else if len(done) > 0 {
		return nil // an interrupted load got this far already
	}
	org := func(ext string) (int64, error) {
		o, err := db.OrganizationByExternalID(ctx, ext)
		if err != nil {
			return 0, fmt.Errorf("demo organization %s: %w", ext, err)
		}
		return o.ID, nil
	}
	listing := func(ext string) (int64, error) {
		var id int64
		if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM listings WHERE external_id = $1`, ext).Scan(&id); err != nil {
			return 0, fmt.Errorf("demo listing %s: %w", ext, err)
		}
		return id, nil
	}
	for _, dc := range demoConsortia() {
		c := dc.c
		var err error
		if c.LeadOrgID, err = org(dc.lead); err != nil {
			return err
		}
		if err := db.CreateConsortium(ctx, &c, actor); err != nil {
			return fmt.Errorf("demo consortium %q: %w", c.Title, err)
		}
		res.Consortia++
		for _, m := range dc.members {
			id, err := org(m.org)
			if err != nil {
				return err
			}
			if err := db.AddMember(ctx, &kakehashi.Membership{ConsortiumID: c.ID, OrgID: id, Role: m.role}, actor); err != nil {
				return fmt.Errorf("demo member %s: %w", m.org, err)
			}
		}
		for _, m := range dc.pending {
			id, err := org(m.org)
			if err != nil {
				return err
			}
			req := &kakehashi.Membership{ConsortiumID: c.ID, OrgID: id, Role: m.role,
				Message: "We make solid-state pilot cells and would like to test them in your cold chambers."}
			if err := db.RequestMembership(ctx, req, actor); err != nil {
				return fmt.Errorf("demo request %s: %w", m.org, err)
			}
		}
		for _, ext := range dc.shared {
			id, err := listing(ext)
			if err != nil {
				return err
			}
			if err := db.ShareListing(ctx, c.ID, id, actor); err != nil {
				return fmt.Errorf("demo shared listing %s: %w", ext, err)
			}
		}
		for _, dt := range dc.tasks {
			owner, err := org(dt.owner)
			if err != nil {
				return err
			}
			t := &kakehashi.Task{ConsortiumID: c.ID, Title: dt.title, OwnerOrgID: owner, Status: dt.status, Start: day(dt.start), Due: day(dt.due)}
			if err := db.CreateTask(ctx, t, actor); err != nil {
				return fmt.Errorf("demo task %q: %w", dt.title, err)
			}
		}
	}
	for _, df := range demoFunding(db.Now()) {
		f := df.f
		var err error
		if f.OrgID, err = org(df.funder); err != nil {
			return err
		}
		if err := db.CreateFundingCall(ctx, &f, actor); err != nil {
			return fmt.Errorf("demo funding call %q: %w", f.Programme, err)
		}
		res.FundingCalls++
	}
	need, err := listing(DemoIntroduction.Need)
	if err != nil {
		return err
	}
	seed, err := listing(DemoIntroduction.Seed)
	if err != nil {
		return err
	}
	u, err := db.UserByEmail(ctx, DemoIntroduction.Requester)
	if err != nil {
		return fmt.Errorf("demo introduction requester: %w", err)
	}
	in := &kakehashi.Introduction{ListingID: need, RelatedListingID: seed, RequesterID: u.ID, RequesterOrgID: u.OrgID,
		Message: "私たちのフィルム型ペロブスカイト太陽電池(変換効率21%)を外壁に実装する共同研究をご提案します。"}
	if err := db.CreateIntroduction(ctx, in, u); err != nil {
		return fmt.Errorf("demo introduction: %w", err)
	}
	return nil
}
