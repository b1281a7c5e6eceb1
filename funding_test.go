package kakehashi

import (
	"slices"
	"testing"
	"time"
)

// TestMatchFundingExplains ranks two calls for a Japanese collaboration and
// checks the explanation: matched character pairs show as the words they
// make, hiragana never matches on its own, and each eligibility rule that
// decided is named.
func TestMatchFundingExplains(t *testing.T) {
	now := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	solar := &FundingCall{ID: 1, Programme: "Solar cells for buildings", Description: "フィルム型太陽電池の建材への実装を支援します。",
		EligibleCountries: []string{"JP"}, Deadline: now.AddDate(0, 1, 0), MatchingRequired: true, Keywords: []string{"ペロブスカイト太陽電池"}}
	rice := &FundingCall{ID: 2, Programme: "Rice robotics", Description: "水田の自動化のための研究を支援します。", Deadline: now.AddDate(0, 1, 0)}
	past := &FundingCall{ID: 3, Programme: "Solar cells, closed", Description: "太陽電池", Deadline: now.AddDate(0, 0, -1)}
	uni := &Organization{Name: "Uni", Kind: OrgUniversity, Country: "JP"}
	builder := &Organization{Name: "Builder", Kind: OrgCompany, Country: "JP"}
	target := FundingTarget{Parties: []*Organization{uni, builder}, Text: []string{"建物外壁に設置できる軽量フィルム型太陽電池の実装", "ペロブスカイト太陽電池"}}
	ms := MatchFunding([]*FundingCall{rice, solar, past}, target, now, 0)
	if len(ms) != 1 || ms[0].Call != solar {
		t.Fatalf("matches %+v", ms)
	}
	for _, want := range []string{"フィルム型太陽電池", "実装", "ペロブスカイト太陽電池"} {
		if !slices.Contains(ms[0].Terms, want) {
			t.Errorf("terms %q lack %q", ms[0].Terms, want)
		}
	}
	var rules []string
	for _, r := range ms[0].Rules {
		rules = append(rules, r.Rule)
	}
	if !slices.Equal(rules, []string{"deadline", "applicant", "matching"}) {
		t.Errorf("rules %v", rules)
	}
	// Without the company the call needs a partner: ruled out for an
	// introduction, noted for a single listing.
	alone := FundingTarget{Parties: []*Organization{uni}, Text: target.Text}
	if ms := MatchFunding([]*FundingCall{solar}, alone, now, 0); len(ms) != 0 {
		t.Errorf("a call needing a company matched a university alone")
	}
	alone.Open = true
	if ms := MatchFunding([]*FundingCall{solar}, alone, now, 0); len(ms) != 1 || ms[0].Rules[2].Rule != "matching_partner" {
		t.Errorf("open target: %+v", ms)
	}
}

func TestTaskValidation(t *testing.T) {
	c := &Consortium{ID: 1, LeadOrgID: 1, Start: time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2028, 3, 31, 0, 0, 0, 0, time.UTC)}
	members := []*Membership{{OrgID: 1, Status: MembershipActive, Role: MemberLead}, {OrgID: 2, Status: MembershipPending, Role: MemberMember},
		{OrgID: 3, Status: MembershipActive, Role: MemberObserver}}
	for _, tc := range []struct {
		task  Task
		field string
	}{
		{Task{Title: "x", OwnerOrgID: 1, Start: c.Start.AddDate(0, 0, -1), Due: c.End}, "start"},
		{Task{Title: "x", OwnerOrgID: 1, Start: c.Start, Due: c.End.AddDate(0, 0, 1)}, "due"},
		{Task{Title: "x", OwnerOrgID: 2, Start: c.Start, Due: c.End}, "owner_org_id"},
		{Task{Title: "x", OwnerOrgID: 3, Start: c.Start, Due: c.End}, "owner_org_id"},
		{Task{Title: "", OwnerOrgID: 1, Start: c.Start, Due: c.End}, "title"},
		{Task{Title: "x", OwnerOrgID: 1, Start: c.End, Due: c.Start}, "due"},
	} {
		tc.task.Normalize()
		err := tc.task.Validate(c, members)
		if !slices.ContainsFunc(FieldErrors(err), func(f FieldError) bool { return f.Field == tc.field }) {
			t.Errorf("task %+v: error %v does not name %s", tc.task, err, tc.field)
		}
	}
	ok := Task{Title: "x", OwnerOrgID: 1, Start: c.Start, Due: c.End}
	ok.Normalize()
	if err := ok.Validate(c, members); err != nil || ok.Status != TaskPlanned {
		t.Errorf("valid task: %v, status %q", err, ok.Status)
	}
}

// BenchmarkMatchFunding matches one introduction against 1,000 open calls
// in English and Japanese: the work of one "Funding that fits" section
// (the store reads the calls; this is the analysis and ranking).
func BenchmarkMatchFunding(b *testing.B) {
	now := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	themes := []string{"solid-state batteries and electrolytes", "perovskite film solar cells for buildings", "rice paddy robotics",
		"ペロブスカイト太陽電池の建材への実装", "全固体電池の量産技術", "水田の自動化と農業ロボット", "grid-scale long-duration storage",
		"medical imaging with AI", "半導体製造装置の省エネルギー化", "hydrogen fuel cells for trucks"}
	calls := make([]*FundingCall, 1000)
	for i := range calls {
		t := themes[i%len(themes)]
		calls[i] = &FundingCall{ID: int64(i + 1), Programme: "Programme " + t, Description: "Joint research on " + t + ". " + themes[(i*7)%len(themes)],
			EligibleCountries: []string{[]string{"JP", "US", "GB"}[i%3]}, Deadline: now.AddDate(0, 1+i%6, 0), MatchingRequired: i%2 == 0,
			Keywords: []string{t}, Fields: []string{"2.5"}}
	}
	target := FundingTarget{Parties: []*Organization{{Name: "U", Kind: OrgUniversity, Country: "JP"}, {Name: "C", Kind: OrgCompany, Country: "JP"}},
		Text: []string{"建物外壁に設置できる軽量フィルム型太陽電池の実装", "Flexible perovskite solar cells on PET film", "ペロブスカイト太陽電池"}, Fields: []string{"2.2"}}
	b.ReportAllocs()
	for b.Loop() {
		if ms := MatchFunding(calls, target, now, 5); len(ms) != 5 {
			b.Fatalf("%d matches", len(ms))
		}
	}
}
