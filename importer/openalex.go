package importer

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/kakehashi/kakehashi"
)

// OpenAlex is the format of OpenAlex work records
// (https://docs.openalex.org/api-entities/works), one JSON object a line, as
// in the OpenAlex snapshot and API exports.
//
// Each work with an abstract becomes a seed listing owned by the first of its
// institutions that has a country. Every institution with a country becomes
// an organization, or is merged into an existing one. The mapping:
//
//   - external ids: the seed's is "openalex:W…", so re-importing updates
//     instead of duplicating; an institution's is "ror:0…" when it has a ROR
//     id, else "openalex:I…".
//   - organizations are deduplicated first by external id (an earlier import
//     of the same institution), then by ROR id, then by normalized name and
//     country (see normalizeOrgName); the last two count as "merged" and
//     leave the existing organization as it is.
//   - institution types to organization kinds: education → university,
//     government → government, company → company, and facility, healthcare,
//     nonprofit, archive, other and unknown → research_institute: an
//     institution named in an authorship is where research was done, and
//     hospitals, national facilities and research charities are better
//     partners as research institutes than as funders or support agencies.
//   - seeds: kind dataset for OpenAlex type "dataset", else technology; TRL
//     3 (published research: experimental proof of concept); language the
//     work's own when it is an ISO 639-1 code, else "en"; public and open.
//     The title is cut to 300 characters, the summary is the abstract cut at
//     a word to 1,000, the body the whole abstract (up to 20,000) followed by
//     the year, type and DOI.
//   - level-0 concepts become OECD Fields of Science (openAlexFields); the
//     ten concepts with the highest scores become keywords.
const OpenAlex Format = "openalex"

// DefaultOpenAlexTRL is the technology readiness level given to imported
// research output, which OpenAlex does not record.
const DefaultOpenAlexTRL = 3

// Reasons a work is skipped, the keys of OpenAlexReport.Skipped.
const (
	SkipNoAbstract = "no_abstract"
	SkipNoCountry  = "no_institution_with_country"
	SkipNoTitle    = "no_title"
	SkipMalformed  = "malformed"
	SkipInvalid    = "invalid"
)

// OpenAlexReport says what an OpenAlex import did. Every work read is counted
// once: Works = Seeds.Created + Seeds.Updated + Seeds.Unchanged + len(Problems).
type OpenAlexReport struct {
	Works         int          `json:"works"`
	Seeds         UpsertCounts `json:"seeds"`
	Organizations OrgCounts    `json:"organizations"`
	// Researchers counts the author profiles (see openalex_authors.go).
	Researchers ResearcherCounts `json:"researchers"`
	Skipped     map[string]int   `json:"skipped"`
	Problems    []*SkippedWork   `json:"problems"`
}

// UpsertCounts counts the outcomes of upserts.
type UpsertCounts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

func (c *UpsertCounts) add(res kakehashi.UpsertResult) {
	switch res {
	case kakehashi.Created:
		c.Created++
	case kakehashi.Updated:
		c.Updated++
	default:
		c.Unchanged++
	}
}

// OrgCounts counts the distinct institutions of an import by what became of
// them. Merged ones matched an existing organization with another external
// id, by ROR id or by name and country.
type OrgCounts struct {
	UpsertCounts
	Merged int `json:"merged"`
}

// SkippedWork is a work that was not imported, and why.
type SkippedWork struct {
	Line       int    `json:"line"`
	ExternalID string `json:"external_id,omitempty"`
	Reason     string `json:"reason"`
	Message    string `json:"message"`
}

func (s *SkippedWork) String() string {
	if s.ExternalID != "" {
		return fmt.Sprintf("line %d (%s): %s", s.Line, s.ExternalID, s.Message)
	}
	return fmt.Sprintf("line %d: %s", s.Line, s.Message)
}

func (r *OpenAlexReport) skip(s *SkippedWork) {
	r.Skipped[s.Reason]++
	r.Problems = append(r.Problems, s)
}

// openAlexFields maps OpenAlex level-0 concepts (lower case) to OECD Fields
// of Science codes.
var openAlexFields = map[string]string{
	"mathematics": "1.1", "computer science": "1.2", "physics": "1.3", "chemistry": "1.4",
	"environmental science": "1.5", "geology": "1.5", "biology": "1.6",
	"materials science": "2.5", "engineering": "2.11",
	"medicine":   "3.2",
	"psychology": "5.1", "economics": "5.2", "business": "5.2", "sociology": "5.4",
	"political science": "5.6", "geography": "5.7",
	"history": "6.1", "philosophy": "6.3", "art": "6.4",
}

// OpenAlexOrgKind maps an OpenAlex institution type to an organization kind.
func OpenAlexOrgKind(typ string) kakehashi.OrgKind {
	switch typ {
	case "education":
		return kakehashi.OrgUniversity
	case "government":
		return kakehashi.OrgGovernment
	case "company":
		return kakehashi.OrgCompany
	default: // facility, healthcare, nonprofit, archive, other, unknown
		return kakehashi.OrgResearchInstitute
	}
}

// RebuildAbstract turns an OpenAlex abstract_inverted_index (word →
// positions) back into text, ordering words by position.
func RebuildAbstract(index map[string][]int) string {
	type at struct {
		pos  int
		word string
	}
	var words []at
	for w, ps := range index {
		for _, p := range ps {
			words = append(words, at{p, w})
		}
	}
	slices.SortFunc(words, func(a, b at) int {
		return cmp.Or(cmp.Compare(a.pos, b.pos), strings.Compare(a.word, b.word))
	})
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.word)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// normalizeOrgName folds case, accents, punctuation and a leading "The" so
// that "Université de Paris" and "Universite de Paris," compare equal.
func normalizeOrgName(s string) string {
	var b strings.Builder
	space := true
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == '&':
			if !space {
				b.WriteByte(' ')
			}
			b.WriteString("and ")
			space = true
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimPrefix(strings.TrimSpace(b.String()), "the ")
}

type oaInstitution struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	ROR         string `json:"ror"`
	CountryCode string `json:"country_code"`
	Type        string `json:"type"`
}

type oaConcept struct {
	DisplayName string  `json:"display_name"`
	Level       int     `json:"level"`
	Score       float64 `json:"score"`
}

type oaWork struct {
	ID              string           `json:"id"`
	DOI             string           `json:"doi"`
	Title           string           `json:"title"`
	DisplayName     string           `json:"display_name"`
	PublicationYear int              `json:"publication_year"`
	Type            string           `json:"type"`
	Language        string           `json:"language"`
	Abstract        map[string][]int `json:"abstract_inverted_index"`
	Authorships     []struct {
		Author       oaAuthorRef     `json:"author"`
		Institutions []oaInstitution `json:"institutions"`
	} `json:"authorships"`
	Concepts []oaConcept `json:"concepts"`
}

// oaItem is a work ready to write: its seed and its institutions, the first
// of which owns the seed.
type oaItem struct {
	line int
	seed *kakehashi.Listing
	orgs []*kakehashi.Organization
	// authors become researcher profiles linked to the seed.
	authors []*oaAuthor
}

var (
	htmlTag    = regexp.MustCompile(`</?[a-zA-Z][^<>]*>`)
	rorIDShape = regexp.MustCompile(`^0[a-z0-9]{6}[0-9]{2}$`)
)

// shortID strips the https://openalex.org/ (or ror.org) prefix of an id.
func shortID(id string) string {
	id = strings.TrimSpace(id)
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		return id[i+1:]
	}
	return id
}

// institutionOrg converts an institution, or returns nil when it cannot be
// an organization (no country, no id, or invalid).
func institutionOrg(in oaInstitution) *kakehashi.Organization {
	cc := strings.ToUpper(strings.TrimSpace(in.CountryCode))
	if !kakehashi.ValidCountry(cc) {
		return nil
	}
	o := &kakehashi.Organization{Name: truncate(cleanText(in.DisplayName), 200), Kind: OpenAlexOrgKind(in.Type),
		Country: cc, Aliases: []string{}, Sectors: []string{}}
	if ror := strings.ToLower(shortID(in.ROR)); rorIDShape.MatchString(ror) {
		o.ROR = "https://ror.org/" + ror
		o.ExternalID = "ror:" + ror
	} else if id := shortID(in.ID); id != "" {
		o.ExternalID = "openalex:" + id
	} else {
		return nil
	}
	o.Normalize()
	if o.Validate() != nil {
		return nil
	}
	return o
}

// parseOpenAlexWork turns one line into an item, or says why it is skipped.
func parseOpenAlexWork(line int, text []byte) (*oaItem, *SkippedWork) {
	var w oaWork
	if err := json.Unmarshal(text, &w); err != nil {
		return nil, &SkippedWork{Line: line, ExternalID: extOfWork(text), Reason: SkipMalformed, Message: "malformed JSON: " + jsonProblem(err)}
	}
	id := shortID(w.ID)
	if id == "" {
		return nil, &SkippedWork{Line: line, Reason: SkipMalformed, Message: `missing "id"`}
	}
	ext := "openalex:" + id
	skip := func(reason, msg string) (*oaItem, *SkippedWork) {
		return nil, &SkippedWork{Line: line, ExternalID: ext, Reason: reason, Message: msg}
	}
	abstract := RebuildAbstract(w.Abstract)
	if abstract == "" {
		return skip(SkipNoAbstract, "no abstract")
	}
	title := cleanText(cmp.Or(w.Title, w.DisplayName))
	if title == "" {
		return skip(SkipNoTitle, "no title")
	}
	it := &oaItem{line: line}
	seen := map[string]bool{}
	for _, a := range w.Authorships {
		for _, in := range a.Institutions {
			if o := institutionOrg(in); o != nil && !seen[o.ExternalID] {
				seen[o.ExternalID] = true
				it.orgs = append(it.orgs, o)
			}
		}
	}
	if len(it.orgs) == 0 {
		return skip(SkipNoCountry, "no institution with a country")
	}
	it.authors = workAuthors(&w, title)
	kind := kakehashi.KindTechnology
	if w.Type == "dataset" {
		kind = kakehashi.KindDataset
	}
	lang := strings.ToLower(strings.TrimSpace(w.Language))
	if !kakehashi.ValidLanguage(lang) {
		lang = "en"
	}
	var meta []string
	if w.PublicationYear > 0 {
		meta = append(meta, fmt.Sprintf("Published %d.", w.PublicationYear))
	}
	if w.Type != "" {
		meta = append(meta, "Type: "+w.Type+".")
	}
	if doi := strings.TrimSpace(w.DOI); doi != "" {
		meta = append(meta, "DOI: "+doi)
	}
	trailer := strings.Join(meta, " ")
	body := truncate(abstract, 20000-utf8.RuneCountInString(trailer)-2)
	if trailer != "" {
		body += "\n\n" + trailer
	}
	keywords, fields := concepts(w.Concepts)
	it.seed = &kakehashi.Listing{
		ExternalID: ext, Side: kakehashi.SideSeed, Kind: kind, Title: truncate(title, 300),
		Summary: truncate(abstract, 1000), Body: body, Language: lang, Keywords: keywords, Fields: fields,
		Sectors: []string{}, TRL: DefaultOpenAlexTRL, IP: kakehashi.IP{Status: kakehashi.IPNone},
		PartnershipTypes: []kakehashi.PartnershipType{}, TargetCountries: []string{},
		Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen,
	}
	check := *it.seed
	check.OrgID = 1 // the owner is resolved in the batch
	check.Normalize()
	if err := check.Validate(); err != nil {
		re := rowErr(line, ext, err)
		re.ExternalID = ""
		return skip(SkipInvalid, strings.TrimPrefix(re.Error(), fmt.Sprintf("line %d: ", line)))
	}
	return it, nil
}

// concepts returns the ten best-scored concepts as keywords and the OECD
// fields of the level-0 ones, best first.
func concepts(cs []oaConcept) (keywords, fields []string) {
	cs = slices.Clone(cs)
	slices.SortStableFunc(cs, func(a, b oaConcept) int { return cmp.Compare(b.Score, a.Score) })
	keywords, fields = []string{}, []string{}
	seen := map[string]bool{}
	for _, c := range cs {
		name := cleanText(c.DisplayName)
		if c.Level == 0 {
			if f, ok := openAlexFields[strings.ToLower(name)]; ok && !slices.Contains(fields, f) && len(fields) < 10 {
				fields = append(fields, f)
			}
		}
		if key := strings.ToLower(name); name != "" && len(keywords) < 10 && utf8.RuneCountInString(name) <= 80 && !seen[key] {
			seen[key] = true
			keywords = append(keywords, name)
		}
	}
	return keywords, fields
}

// cleanText drops HTML tags (OpenAlex titles carry <i>, <sub> …) and
// collapses white space.
func cleanText(s string) string {
	if strings.IndexByte(s, '<') >= 0 {
		s = htmlTag.ReplaceAllString(s, "")
	}
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts s to at most n runes, at a word boundary when one is near,
// ending with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	if i := strings.LastIndexByte(string(r), ' '); i > len(string(r))*3/4 {
		return strings.TrimSpace(string(r)[:i]) + "…"
	}
	return strings.TrimSpace(string(r)) + "…"
}

func extOfWork(text []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(text, &v) != nil || shortID(v.ID) == "" {
		return ""
	}
	return "openalex:" + shortID(v.ID)
}

// ImportOpenAlex reads OpenAlex works from r and upserts their seeds and
// institutions. Like Import, it fails only when the input or the database
// fails as a whole; each batch is one transaction. Works are parsed in a
// goroutine while the previous batch is written.
func (im *Importer) ImportOpenAlex(ctx context.Context, r io.Reader) (*OpenAlexReport, error) {
	size := im.BatchSize
	if size <= 0 {
		size = 500
	}
	rep := &OpenAlexReport{Skipped: map[string]int{}, Problems: []*SkippedWork{}}
	orgs := newOrgResolver(im)
	authors := newAuthorLinker(im)
	pctx, cancel := context.WithCancel(ctx)
	ch := make(chan parsedBatch, 1)
	go parseOpenAlexStream(pctx, r, size, ch)
	defer func() {
		cancel()
		for range ch { // wait for the parser to stop reading r
		}
	}()
	for b := range ch {
		rep.Works += b.works
		for _, s := range b.skips {
			rep.skip(s)
		}
		if len(b.items) > 0 {
			if err := im.writeOpenAlexBatch(ctx, b.items, rep, orgs, authors); err != nil {
				return rep, err
			}
		}
		if b.err != nil {
			return rep, fmt.Errorf("read input: %w", b.err)
		}
		if im.Progress != nil {
			im.Progress(rep.Works)
		}
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	slices.SortStableFunc(rep.Problems, func(a, b *SkippedWork) int { return a.Line - b.Line })
	return rep, nil
}

// parsedBatch is up to a batch of works, parsed: those to write, those
// skipped, and a read error that ends the input.
type parsedBatch struct {
	works int
	items []*oaItem
	skips []*SkippedWork
	err   error
}

// parseOpenAlexStream parses r into batches of size items on ch, closing ch
// at the end of the input, on a read error or when ctx is done.
func parseOpenAlexStream(ctx context.Context, r io.Reader, size int, ch chan<- parsedBatch) {
	defer close(ch)
	p := newJSONL(r)
	var b parsedBatch
	send := func() bool {
		select {
		case ch <- b:
			b = parsedBatch{}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for ctx.Err() == nil {
		text, err := p.readLine()
		var re *RowError
		switch {
		case errors.Is(err, io.EOF):
			send()
			return
		case errors.As(err, &re):
			b.works++
			b.skips = append(b.skips, &SkippedWork{Line: re.Line, Reason: SkipMalformed, Message: re.Message})
			continue
		case err != nil:
			b.err = err
			send()
			return
		}
		p.line++
		if text = bytes.TrimSpace(text); len(text) == 0 {
			continue
		}
		b.works++
		it, skip := parseOpenAlexWork(p.line, text)
		if skip != nil {
			b.skips = append(b.skips, skip)
			continue
		}
		b.items = append(b.items, it)
		if len(b.items) == size && !send() {
			return
		}
	}
}

// writeOpenAlexBatch writes items in one transaction. If the database
// refuses one, each item is retried alone so that only the bad one is lost.
func (im *Importer) writeOpenAlexBatch(ctx context.Context, items []*oaItem, rep *OpenAlexReport, orgs *orgResolver, authors *authorLinker) error {
	var seeds UpsertCounts
	var skipped []*SkippedWork
	err := im.DB.InTx(ctx, func(tx *sql.Tx) error {
		seeds, skipped = UpsertCounts{}, skipped[:0]
		orgs.begin()
		authors.begin()
		if !im.SkipAuthors {
			if err := authors.prefetch(ctx, tx, items); err != nil {
				return err
			}
		}
		for _, it := range items {
			owner, err := orgs.resolve(ctx, tx, it.orgs[0])
			if err != nil {
				return err
			}
			for _, o := range it.orgs[1:] {
				if _, err := orgs.resolve(ctx, tx, o); err != nil {
					return err
				}
			}
			l := *it.seed
			l.OrgID = owner
			res, err := im.DB.UpsertListing(ctx, tx, &l, im.Actor)
			if err != nil {
				return err
			}
			seeds.add(res)
			if im.SkipAuthors {
				continue
			}
			if err := authors.link(ctx, tx, it, l.ID, orgs); err != nil {
				return err
			}
		}
		if authors.counts.Created+authors.counts.Links > 0 {
			return im.DB.BumpResearchersTx(ctx, tx)
		}
		return nil
	})
	if err == nil {
		orgs.commit(&rep.Organizations)
		authors.commit(&rep.Researchers)
		rep.Seeds.Created += seeds.Created
		rep.Seeds.Updated += seeds.Updated
		rep.Seeds.Unchanged += seeds.Unchanged
		for _, s := range skipped {
			rep.skip(s)
		}
		return nil
	}
	orgs.rollback()
	authors.begin()
	if ctx.Err() != nil {
		return err
	}
	if len(items) == 1 {
		if isRowFault(err) {
			rep.skip(&SkippedWork{Line: items[0].line, ExternalID: items[0].seed.ExternalID, Reason: SkipInvalid, Message: kakehashi.ErrorMessage(err)})
			return nil
		}
		return err
	}
	for _, it := range items {
		if err := im.writeOpenAlexBatch(ctx, []*oaItem{it}, rep, orgs, authors); err != nil {
			return err
		}
	}
	return nil
}

// orgResolver finds or creates the organization of each institution,
// remembering what it found for the rest of the import. What a transaction
// learns is pending until it commits, so a rolled-back batch leaves no trace.
type orgResolver struct {
	im        *Importer
	done      orgMemo
	pending   orgMemo
	pendCount OrgCounts
}

type orgMemo struct {
	ext     map[string]int64 // external id of an institution resolved in this import → organization id
	stored  map[string]int64 // external id of a stored organization → its id
	ror     map[string]int64 // ROR URL → organization id
	name    map[string]int64 // country + "|" + normalized name → organization id
	rorOf   map[int64]string // organization id → its ROR URL
	country map[string]bool  // countries whose organizations are loaded
}

func newMemo() orgMemo {
	return orgMemo{ext: map[string]int64{}, stored: map[string]int64{}, ror: map[string]int64{}, name: map[string]int64{}, rorOf: map[int64]string{}, country: map[string]bool{}}
}

func newOrgResolver(im *Importer) *orgResolver {
	return &orgResolver{im: im, done: newMemo(), pending: newMemo()}
}

func (r *orgResolver) begin()    { r.pending, r.pendCount = newMemo(), OrgCounts{} }
func (r *orgResolver) rollback() { r.begin() }

func (r *orgResolver) commit(c *OrgCounts) {
	for k, v := range r.pending.ext {
		r.done.ext[k] = v
	}
	for k, v := range r.pending.stored {
		r.done.stored[k] = v
	}
	for k, v := range r.pending.ror {
		r.done.ror[k] = v
	}
	for k, v := range r.pending.name {
		r.done.name[k] = v
	}
	for k, v := range r.pending.rorOf {
		r.done.rorOf[k] = v
	}
	for k := range r.pending.country {
		r.done.country[k] = true
	}
	c.Created += r.pendCount.Created
	c.Updated += r.pendCount.Updated
	c.Unchanged += r.pendCount.Unchanged
	c.Merged += r.pendCount.Merged
	r.begin()
}

func lookup[K comparable](pending, done map[K]int64, k K) (int64, bool) {
	if v, ok := pending[k]; ok {
		return v, true
	}
	v, ok := done[k]
	return v, ok
}

func (r *orgResolver) rorOf(id int64) string {
	if s, ok := r.pending.rorOf[id]; ok {
		return s
	}
	return r.done.rorOf[id]
}

// remember records organization id under o's keys.
func (r *orgResolver) remember(id int64, ext, ror, country, name string) {
	if ext != "" {
		r.pending.ext[ext] = id
	}
	if ror != "" {
		if _, ok := lookup(r.pending.ror, r.done.ror, ror); !ok {
			r.pending.ror[ror] = id
		}
		if r.rorOf(id) == "" {
			r.pending.rorOf[id] = ror
		}
	}
	if key := country + "|" + normalizeOrgName(name); name != "" {
		if _, ok := lookup(r.pending.name, r.done.name, key); !ok {
			r.pending.name[key] = id
		}
	}
}

// resolve returns the id of o's organization, creating, updating or merging
// it on first sight and counting the outcome once per import.
func (r *orgResolver) resolve(ctx context.Context, tx *sql.Tx, o *kakehashi.Organization) (int64, error) {
	if id, ok := lookup(r.pending.ext, r.done.ext, o.ExternalID); ok {
		return id, nil
	}
	if !r.pending.country[o.Country] && !r.done.country[o.Country] {
		orgs, err := r.im.DB.OrganizationKeysInCountry(ctx, tx, o.Country)
		if err != nil {
			return 0, err
		}
		for _, k := range orgs {
			if k.ExternalID != "" {
				r.pending.stored[k.ExternalID] = k.ID
			}
			r.remember(k.ID, "", k.ROR, o.Country, k.Name)
		}
		r.pending.country[o.Country] = true
	}
	if _, ok := lookup(r.pending.stored, r.done.stored, o.ExternalID); ok {
		// Imported before: refresh it from this record.
		if err := r.upsert(ctx, tx, o); err != nil {
			return 0, err
		}
		return o.ID, nil
	}
	// An organization from elsewhere with the same ROR id, or with the same
	// name and country and no conflicting ROR id, is the same body.
	id, ok := int64(0), false
	if o.ROR != "" {
		id, ok = lookup(r.pending.ror, r.done.ror, o.ROR)
	}
	if !ok {
		if cand, found := lookup(r.pending.name, r.done.name, o.Country+"|"+normalizeOrgName(o.Name)); found {
			if other := r.rorOf(cand); o.ROR == "" || other == "" || other == o.ROR {
				id, ok = cand, true
			}
		}
	}
	if ok {
		r.pendCount.Merged++
		r.remember(id, o.ExternalID, o.ROR, o.Country, o.Name)
		return id, nil
	}
	if err := r.upsert(ctx, tx, o); err != nil {
		return 0, err
	}
	return o.ID, nil
}

func (r *orgResolver) upsert(ctx context.Context, tx *sql.Tx, o *kakehashi.Organization) error {
	c := *o
	res, err := r.im.DB.UpsertOrganization(ctx, tx, &c, r.im.Actor)
	if err != nil {
		return err
	}
	r.pendCount.add(res)
	o.ID = c.ID
	r.remember(c.ID, c.ExternalID, c.ROR, c.Country, c.Name)
	return nil
}
