package kakehashi

import (
	"context"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Funding opportunities: funders and government bodies publish funding
// calls (a programme with eligibility rules, an amount range and a
// deadline), and the platform suggests those that fit a collaboration — an
// introduction's two parties and its listing, a consortium's members and
// theme, or one listing. A call fits when its deadline has not passed and
// the parties meet its eligibility rules; fitting calls are ranked by BM25
// text relevance over the open calls, and each match says which words and
// which rules made it.

// FundingCall is one funding call of a funder organization.
type FundingCall struct {
	ID int64 `json:"id"`
	// OrgID is the funder: an organization of kind funder or government.
	OrgID       int64  `json:"org_id"`
	Programme   string `json:"programme"`
	ProgrammeJA string `json:"programme_ja"`
	Description string `json:"description"`
	// EligibleKinds and EligibleCountries restrict who may apply; empty
	// means anyone.
	EligibleKinds     []OrgKind `json:"eligible_kinds"`
	EligibleCountries []string  `json:"eligible_countries"`
	// AmountMin and AmountMax bound the award per project, in minor units
	// of Currency (as agreement values).
	AmountMin int64  `json:"amount_min"`
	AmountMax int64  `json:"amount_max"`
	Currency  string `json:"currency"`
	// Deadline is the instant applications close.
	Deadline time.Time `json:"deadline"`
	// MatchingRequired says a company must contribute matching funds: an
	// application needs a company, SME or start-up among its parties.
	MatchingRequired bool      `json:"matching_required"`
	Fields           []string  `json:"fields"`
	Keywords         []string  `json:"keywords"`
	CreatedBy        int64     `json:"created_by,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// FunderKinds are the organization kinds that publish funding calls.
var FunderKinds = []OrgKind{OrgFunder, OrgGovernment}

// CompanyKinds are the organization kinds that can make a company's
// matching contribution.
var CompanyKinds = []OrgKind{OrgCompany, OrgSME, OrgStartup}

// Normalize trims text, upper-cases codes and keeps the deadline in UTC.
func (f *FundingCall) Normalize() {
	f.Programme = strings.TrimSpace(f.Programme)
	f.ProgrammeJA = strings.TrimSpace(f.ProgrammeJA)
	f.Description = strings.TrimSpace(f.Description)
	f.Currency = strings.ToUpper(strings.TrimSpace(f.Currency))
	f.EligibleCountries = cleanList(f.EligibleCountries)
	for i := range f.EligibleCountries {
		f.EligibleCountries[i] = strings.ToUpper(f.EligibleCountries[i])
	}
	if f.EligibleKinds == nil {
		f.EligibleKinds = []OrgKind{}
	}
	f.Fields = cleanList(f.Fields)
	f.Keywords = cleanList(f.Keywords)
	f.Deadline = f.Deadline.UTC().Truncate(time.Second)
}

// Validate reports every invalid field of f. That the organization is a
// funder is the store's check, since it reads the organization.
func (f *FundingCall) Validate() error {
	var p Problems
	if f.OrgID <= 0 {
		p.Add("org_id", "is required")
	}
	checkText(&p, "programme", f.Programme, 1, 300)
	checkText(&p, "programme_ja", f.ProgrammeJA, 0, 300)
	checkText(&p, "description", f.Description, 1, 20000)
	validListOf(&p, "eligible_kinds", f.EligibleKinds, len(OrgKinds), func(k OrgKind) bool { return oneOf(k, OrgKinds) }, "one of "+names(OrgKinds))
	validList(&p, "eligible_countries", f.EligibleCountries, 100, ValidCountry, "an ISO 3166-1 alpha-2 country code"+countryHint(f.EligibleCountries))
	if f.AmountMin < 0 {
		p.Add("amount_min", "must not be negative")
	}
	if f.AmountMax <= 0 {
		p.Add("amount_max", "must be greater than 0")
	} else if f.AmountMax < f.AmountMin {
		p.Add("amount_max", "must not be below amount_min (%d)", f.AmountMin)
	}
	if len(f.Currency) != 3 || strings.Trim(f.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		p.Add("currency", "must be an ISO 4217 code such as JPY, USD, GBP")
	}
	if f.Deadline.IsZero() {
		p.Add("deadline", "is required")
	} else if f.Deadline.Year() < 2000 || f.Deadline.Year() > 2100 {
		p.Add("deadline", "must be between the years 2000 and 2100")
	}
	validList(&p, "fields", f.Fields, 10, isField, "an OECD Fields of Science code such as 2.5")
	validList(&p, "keywords", f.Keywords, 30, func(s string) bool { return len([]rune(s)) <= 100 }, "a keyword of at most 100 characters")
	return p.Err("funding call")
}

// Open reports whether applications are still taken at now.
func (f *FundingCall) Open(now time.Time) bool { return !now.After(f.Deadline) }

// eligibleApplicant reports whether o meets f's kind and country rules.
func (f *FundingCall) eligibleApplicant(o *Organization) bool {
	return (len(f.EligibleKinds) == 0 || slices.Contains(f.EligibleKinds, o.Kind)) &&
		(len(f.EligibleCountries) == 0 || slices.Contains(f.EligibleCountries, o.Country))
}

// FundingCallFilter selects funding calls in a list.
type FundingCallFilter struct {
	OrgID int64
	// OpenAt, if set, keeps calls whose deadline is not before it.
	OpenAt time.Time
	After  int64
	Limit  int
}

// FundingService stores funding calls. Writes check the actor's rights.
type FundingService interface {
	FundingCall(ctx context.Context, id int64) (*FundingCall, error)
	FundingCalls(ctx context.Context, f FundingCallFilter) ([]*FundingCall, error)
	CreateFundingCall(ctx context.Context, f *FundingCall, actor *User) error
	UpdateFundingCall(ctx context.Context, f *FundingCall, actor *User) error
	DeleteFundingCall(ctx context.Context, id int64, actor *User) error
}

// CanManageFundingCallsOf reports whether u may publish and change the
// funding calls of organization orgID: its admins and platform staff.
// (That the organization is a funder is checked with the organization.)
func CanManageFundingCallsOf(u *User, orgID int64) bool {
	return u.IsStaff() || u.IsOrgAdmin(orgID)
}

// ---- Matching ----------------------------------------------------------------

// FundingTarget is what funding is sought for: the parties that would
// apply, and the text and fields of the collaboration.
type FundingTarget struct {
	Parties []*Organization
	// Text holds the titles, summaries and keywords of the collaboration.
	Text   []string
	Fields []string
	// Open says more partners may still join (a single listing): then a
	// required company contribution does not rule a call out, it is noted.
	Open bool
}

// FundingRule is one eligibility rule a match met, as a stable code with
// arguments (for translation) and an English sentence.
type FundingRule struct {
	// Rule is deadline, applicant, anyone, matching or matching_partner.
	Rule   string   `json:"rule"`
	Args   []string `json:"args"`
	Detail string   `json:"detail"`
}

// FundingMatch is a funding call that fits a target, with why.
type FundingMatch struct {
	Call  *FundingCall `json:"call"`
	Score float64      `json:"score"`
	// Terms are the words of the call that the collaboration shares, as
	// written in the call (matched character pairs of Japanese joined into
	// the run they make).
	Terms []string `json:"terms"`
	// Fields are the shared OECD field codes.
	Fields []string      `json:"fields"`
	Rules  []FundingRule `json:"rules"`
}

// bm25 parameters: the usual defaults; fieldBoost is what one shared OECD
// field adds to the text score.
const (
	bm25K1     = 1.2
	bm25B      = 0.75
	fieldBoost = 1.0
)

// MatchFunding returns the calls that fit target at now, best first, at
// most limit (0: all). A call fits when its deadline has not passed, one
// party meets its kind and country rules (the applicant), a company party
// can make a required matching contribution (unless target.Open), and it
// shares at least one word or field with the target. Scores are BM25 over
// calls (each call's programme names, description and keywords are a
// document, keywords counted twice) plus fieldBoost per shared field.
// Text is analyzed by fundingTokens: English words and Japanese character
// pairs, so that no dictionary is needed.
func MatchFunding(calls []*FundingCall, target FundingTarget, now time.Time, limit int) []FundingMatch {
	type doc struct {
		texts []string
		toks  [][]fundingToken
		tf    map[string]int
		n     int
	}
	docs := make([]doc, len(calls))
	df := map[string]int{}
	var total float64
	for i, c := range calls {
		d := doc{tf: map[string]int{}}
		texts := append([]string{c.Programme, c.ProgrammeJA, c.Description}, c.Keywords...)
		for j, t := range texts {
			t = norm.NFKC.String(t)
			toks := fundingTokens(t)
			d.texts, d.toks = append(d.texts, t), append(d.toks, toks)
			weight := 1
			if j >= 3 {
				weight = 2 // keywords count twice
			}
			for _, tok := range toks {
				d.tf[tok.term] += weight
				d.n += weight
			}
		}
		for term := range d.tf {
			df[term]++
		}
		total += float64(d.n)
		docs[i] = d
	}
	avg := 1.0
	if len(calls) > 0 && total > 0 {
		avg = total / float64(len(calls))
	}
	query := map[string]bool{}
	for _, t := range target.Text {
		for _, tok := range fundingTokens(norm.NFKC.String(t)) {
			query[tok.term] = true
		}
	}
	terms := make([]string, 0, len(query))
	for t := range query {
		terms = append(terms, t)
	}
	sort.Strings(terms)

	var out []FundingMatch
	for i, c := range calls {
		rules, ok := fundingEligibility(c, target, now)
		if !ok {
			continue
		}
		m := FundingMatch{Call: c, Rules: rules, Fields: []string{}}
		d := docs[i]
		for _, t := range terms {
			tf := float64(d.tf[t])
			if tf == 0 {
				continue
			}
			n := float64(len(calls))
			idf := math.Log(1 + (n-float64(df[t])+0.5)/(float64(df[t])+0.5))
			m.Score += idf * tf * (bm25K1 + 1) / (tf + bm25K1*(1-bm25B+bm25B*float64(d.n)/avg))
		}
		m.Terms = matchedSurfaces(d.texts, d.toks, query, 12)
		for _, f := range c.Fields {
			if slices.Contains(target.Fields, f) {
				m.Fields = append(m.Fields, f)
				m.Score += fieldBoost
			}
		}
		if m.Score <= 0 {
			continue
		}
		m.Score = math.Round(m.Score*1000) / 1000
		out = append(out, m)
	}
	slices.SortStableFunc(out, func(a, b FundingMatch) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		case a.Call.Deadline.Before(b.Call.Deadline):
			return -1
		case b.Call.Deadline.Before(a.Call.Deadline):
			return 1
		}
		return int(a.Call.ID - b.Call.ID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// fundingEligibility returns the rules target meets for call c, or false
// when it does not meet them all.
func fundingEligibility(c *FundingCall, target FundingTarget, now time.Time) ([]FundingRule, bool) {
	if !c.Open(now) {
		return nil, false
	}
	d := c.Deadline.Format(time.DateOnly)
	rules := []FundingRule{{Rule: "deadline", Args: []string{d}, Detail: "applications close on " + d}}
	var applicant *Organization
	for _, o := range target.Parties {
		if o != nil && c.eligibleApplicant(o) {
			applicant = o
			break
		}
	}
	switch {
	case applicant == nil:
		return nil, false
	case len(c.EligibleKinds) == 0 && len(c.EligibleCountries) == 0:
		rules = append(rules, FundingRule{Rule: "anyone", Detail: "open to any organization"})
	default:
		rules = append(rules, FundingRule{Rule: "applicant", Args: []string{applicant.Name, string(applicant.Kind), applicant.Country},
			Detail: applicant.Name + " (" + string(applicant.Kind) + ", " + applicant.Country + ") may apply: the call is open to " +
				orAny(names(c.EligibleKinds)) + " in " + orAny(strings.Join(c.EligibleCountries, ", "))})
	}
	if c.MatchingRequired {
		i := slices.IndexFunc(target.Parties, func(o *Organization) bool { return o != nil && slices.Contains(CompanyKinds, o.Kind) })
		switch {
		case i >= 0:
			o := target.Parties[i]
			rules = append(rules, FundingRule{Rule: "matching", Args: []string{o.Name},
				Detail: o.Name + " (" + string(o.Kind) + ") can make the required company matching contribution"})
		case target.Open:
			rules = append(rules, FundingRule{Rule: "matching_partner",
				Detail: "requires a company partner's matching contribution"})
		default:
			return nil, false
		}
	}
	return rules, true
}

func orAny(s string) string {
	if s == "" {
		return "any"
	}
	return s
}

// ---- A small analyzer for funding text ---------------------------------------

// fundingToken is a term and where it is in the NFKC-normalized text.
type fundingToken struct {
	term       string
	start, end int
}

// fundingStopwords are English function words and words every call uses.
var fundingStopwords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "by": true, "for": true,
	"from": true, "has": true, "have": true, "in": true, "into": true, "is": true, "it": true, "its": true, "of": true,
	"on": true, "or": true, "our": true, "that": true, "the": true, "their": true, "this": true, "to": true, "we": true,
	"will": true, "with": true, "who": true, "which": true, "up": true, "per": true, "can": true, "all": true, "new": true,
	"not": true, "than": true, "more": true, "over": true, "under": true, "between": true, "also": true, "such": true,
	"partner": true, "project": true, "fund": true, "funding": true, "grant": true, "support": true, "programme": true,
	"program": true, "call": true, "application": true, "seek": true, "want": true, "need": true, "would": true, "like": true,
}

// fundingTokens splits normalized text into terms: lower-cased Latin words
// (a plural s dropped, stopwords left out), runs of katakana, and
// overlapping pairs of kanji (a lone kanji is a term of its own); hiragana,
// mostly particles and endings, separates.
func fundingTokens(text string) []fundingToken {
	out := make([]fundingToken, 0, len(text)/6+1)
	type r struct {
		c   rune
		pos int
	}
	run := make([]r, 0, 32)
	latin := false
	flush := func(end int) {
		defer func() { run = run[:0] }()
		if len(run) == 0 {
			return
		}
		if latin {
			w := strings.ToLower(text[run[0].pos:end])
			if len(run) < 2 || fundingStopwords[w] {
				return
			}
			term := w
			if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
				term = strings.TrimSuffix(w, "s")
				if strings.HasSuffix(term, "ie") {
					term = strings.TrimSuffix(term, "ie") + "y"
				}
				if fundingStopwords[term] {
					return
				}
			}
			out = append(out, fundingToken{term, run[0].pos, end})
			return
		}
		// A run of katakana is one word (mostly loanwords); a run of
		// kanji gives its overlapping pairs, or itself when alone.
		for i := 0; i < len(run); {
			kata := isKatakana(run[i].c)
			j := i
			for j < len(run) && isKatakana(run[j].c) == kata {
				j++
			}
			at := func(k int) int {
				if k < len(run) {
					return run[k].pos
				}
				return end
			}
			switch {
			case kata || j-i == 1:
				out = append(out, fundingToken{text[run[i].pos:at(j)], run[i].pos, at(j)})
			default:
				for k := i; k+1 < j; k++ {
					out = append(out, fundingToken{text[run[k].pos:at(k+2)], run[k].pos, at(k + 2)})
				}
			}
			i = j
		}
	}
	for pos, c := range text {
		isLat := c < 0x80 && (unicode.IsLetter(c) || unicode.IsDigit(c))
		isJa := unicode.In(c, unicode.Han, unicode.Katakana) || c == 'ー'
		switch {
		case isLat:
			if !latin {
				flush(pos)
			}
			latin = true
			run = append(run, r{c, pos})
		case isJa:
			if latin {
				flush(pos)
			}
			latin = false
			run = append(run, r{c, pos})
		default:
			flush(pos)
		}
	}
	flush(len(text))
	return out
}

// matchedSurfaces returns the text of texts (normalized) that the tokens
// whose terms are in query cover, adjacent and overlapping tokens joined
// (so that matched character pairs show as the word they make, and
// neighbouring matched words as a phrase), each once,
// in order of appearance, at most limit.
func matchedSurfaces(texts []string, toks [][]fundingToken, query map[string]bool, limit int) []string {
	out := []string{}
	seen := map[string]bool{}
	for i, ts := range toks {
		start, end := -1, -1
		emit := func() {
			if start < 0 {
				return
			}
			s := texts[i][start:end]
			if !seen[strings.ToLower(s)] && len(out) < limit {
				seen[strings.ToLower(s)] = true
				out = append(out, s)
			}
			start, end = -1, -1
		}
		for _, t := range ts {
			if !query[t.term] {
				continue
			}
			if start >= 0 && (t.start <= end || strings.Trim(texts[i][end:t.start], " -") == "" && t.start-end <= 2) {
				end = max(end, t.end)
				continue
			}
			emit()
			start, end = t.start, t.end
		}
		emit()
	}
	return out
}

// listingText is what of a listing funding matches read: its title,
// summary and keywords (never the body, which may be confidential).
func listingText(l *Listing) []string {
	if l == nil {
		return nil
	}
	return append([]string{l.Title, l.Summary}, l.Keywords...)
}

// IntroductionFundingTarget is the target of an introduction: its two
// parties (nil when the viewer may not know one) and its listings as the
// viewer may see them (nil when not at all).
func IntroductionFundingTarget(owner, requester *Organization, listing, related *Listing) FundingTarget {
	t := FundingTarget{Parties: []*Organization{}}
	for _, o := range []*Organization{requester, owner} {
		if o != nil {
			t.Parties = append(t.Parties, o)
		}
	}
	for _, l := range []*Listing{listing, related} {
		if l != nil {
			t.Text = append(t.Text, listingText(l)...)
			t.Fields = append(t.Fields, l.Fields...)
		}
	}
	return t
}

// ConsortiumFundingTarget is the target of consortium c: its active
// members (observers do not apply), its theme and its shared listings.
func ConsortiumFundingTarget(c *Consortium, members []*Membership, orgs map[int64]*Organization, shared []*Listing) FundingTarget {
	t := FundingTarget{Parties: []*Organization{}, Open: true}
	for _, m := range members {
		if m.Status == MembershipActive && m.Role != MemberObserver && orgs[m.OrgID] != nil {
			t.Parties = append(t.Parties, orgs[m.OrgID])
		}
	}
	t.Text = append([]string{c.Title, c.TitleJA, c.Description, c.DescriptionJA}, c.Keywords...)
	t.Fields = append(t.Fields, c.Fields...)
	for _, l := range shared {
		t.Text = append(t.Text, listingText(l)...)
		t.Fields = append(t.Fields, l.Fields...)
	}
	return t
}

// ListingFundingTarget is the target of one listing of organization owner
// (nil when hidden): partners may still join.
func ListingFundingTarget(owner *Organization, l *Listing) FundingTarget {
	t := FundingTarget{Parties: []*Organization{}, Open: true, Text: listingText(l), Fields: l.Fields}
	if owner != nil {
		t.Parties = append(t.Parties, owner)
	}
	return t
}

// FundingReader is what building a funding target reads.
type FundingReader interface {
	Organization(ctx context.Context, id int64) (*Organization, error)
	Listing(ctx context.Context, id int64) (*Listing, error)
}

// visibleListing reads listing id as viewer may see it: nil when they may
// not, or when it is gone.
func visibleListing(ctx context.Context, r FundingReader, viewer *User, id int64) (*Listing, error) {
	if id == 0 {
		return nil, nil
	}
	l, err := r.Listing(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return Redact(viewer, l), nil
}

// IntroductionTarget builds the funding target of introduction in as
// viewer (a party or staff) may see it: the owner organization is left out
// while it is hidden from them, and listings they may not see add nothing.
func IntroductionTarget(ctx context.Context, r FundingReader, viewer *User, in *Introduction) (FundingTarget, error) {
	l, err := visibleListing(ctx, r, viewer, in.ListingID)
	if err != nil {
		return FundingTarget{}, err
	}
	related, err := visibleListing(ctx, r, viewer, in.RelatedListingID)
	if err != nil {
		return FundingTarget{}, err
	}
	org := func(id int64) (*Organization, error) {
		if id == 0 {
			return nil, nil
		}
		o, err := r.Organization(ctx, id)
		if ErrorCode(err) == ENOTFOUND {
			return nil, nil
		}
		return o, err
	}
	ownerID := in.OwnerOrgID
	if l == nil || l.OrgHidden {
		ownerID = 0
	}
	owner, err := org(ownerID)
	if err != nil {
		return FundingTarget{}, err
	}
	requester, err := org(in.RequesterOrgID)
	if err != nil {
		return FundingTarget{}, err
	}
	return IntroductionFundingTarget(owner, requester, l, related), nil
}

// ConsortiumTarget builds the funding target of consortium c with its
// memberships and shared listings as viewer may see them.
func ConsortiumTarget(ctx context.Context, r FundingReader, viewer *User, c *Consortium, members []*Membership, shared []int64) (FundingTarget, error) {
	orgs := map[int64]*Organization{}
	for _, m := range members {
		if m.Status != MembershipActive {
			continue
		}
		o, err := r.Organization(ctx, m.OrgID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return FundingTarget{}, err
		}
		orgs[m.OrgID] = o
	}
	var ls []*Listing
	for _, id := range shared {
		l, err := visibleListing(ctx, r, viewer, id)
		if err != nil {
			return FundingTarget{}, err
		}
		if l != nil {
			ls = append(ls, l)
		}
	}
	return ConsortiumFundingTarget(c, members, orgs, ls), nil
}

func isKatakana(r rune) bool { return unicode.Is(unicode.Katakana, r) || r == 'ー' }

// ListingTarget builds the funding target of listing l as viewer may see
// it (pass the redacted listing): its owner when they may know it, and its
// text; partners may still join.
func ListingTarget(ctx context.Context, r FundingReader, l *Listing) (FundingTarget, error) {
	var owner *Organization
	if l.OrgID != 0 && !l.OrgHidden {
		o, err := r.Organization(ctx, l.OrgID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return FundingTarget{}, err
		}
		owner = o
	}
	return ListingFundingTarget(owner, l), nil
}
