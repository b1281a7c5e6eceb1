package importer

import (
	"context"
	"database/sql"
	"strings"

	"github.com/kakehashi/kakehashi"
)

// Authors of OpenAlex works become researcher profiles:
//
//   - each authorships[].author with a display name and an OpenAlex author id
//     or a valid ORCID iD (checksum verified; an invalid one is dropped) is
//     looked up by ORCID iD first, then by OpenAlex author id;
//   - a new profile gets the name, both ids, career stage unknown, the
//     author's first institution that became an organization (none when
//     none did), and the work as its first publication (title, year, DOI);
//   - a profile found is linked as it is: imports never overwrite what people
//     wrote on their own profile;
//   - every author is linked to the seed made from the work, once.
//
// Re-importing the same works therefore creates no profile and no link.

// ResearcherCounts says what an OpenAlex import did with authors. Created
// profiles are new; Linked ones existed before the import (each counted
// once); Links counts new researcher↔seed links; Skipped counts authorships
// without a name or a usable id.
type ResearcherCounts struct {
	Created int `json:"created"`
	Linked  int `json:"linked"`
	Links   int `json:"links"`
	Skipped int `json:"skipped"`
}

type oaAuthorRef struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	ORCID       string `json:"orcid"`
}

// oaAuthor is an author ready to write.
type oaAuthor struct {
	name, orcid, openAlexID string
	org                     *kakehashi.Organization // nil when no institution became one
	pub                     kakehashi.Publication
}

// workAuthors returns the usable authors of w, once each, and counts the
// unusable ones as nil entries so that they can be reported.
func workAuthors(w *oaWork, title string) []*oaAuthor {
	pub := kakehashi.Publication{Title: truncate(title, 500), Year: w.PublicationYear, DOI: kakehashi.NormalizeDOI(w.DOI)}
	if pub.Year < 1900 || pub.Year > 2100 {
		pub.Year = 0
	}
	if check := (kakehashi.Researcher{Name: "x", Career: kakehashi.CareerUnknown, Publications: []kakehashi.Publication{pub}}); check.Validate() != nil {
		pub.DOI = ""
	}
	var out []*oaAuthor
	seen := map[string]bool{}
	for _, a := range w.Authorships {
		au := &oaAuthor{name: truncate(cleanText(a.Author.DisplayName), 200), pub: pub}
		if orcid := kakehashi.NormalizeORCID(a.Author.ORCID); orcid != "" && kakehashi.CheckORCID(orcid) == nil {
			au.orcid = orcid
		}
		if id := kakehashi.NormalizeOpenAlexAuthor(a.Author.ID); id != "" && strings.HasPrefix(id, "A") {
			au.openAlexID = id
		}
		if au.name == "" || au.orcid == "" && au.openAlexID == "" {
			out = append(out, nil)
			continue
		}
		key := "oa:" + au.openAlexID
		if au.orcid != "" {
			key = "orcid:" + au.orcid
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		for _, in := range a.Institutions {
			if o := institutionOrg(in); o != nil {
				au.org = o
				break
			}
		}
		out = append(out, au)
	}
	return out
}

// authorLinker creates and links the profiles of authors. Like
// orgResolver, what a transaction counts is pending until it commits.
type authorLinker struct {
	im      *Importer
	seen    map[int64]bool // existing profiles counted as linked
	pending map[int64]bool
	created map[int64]bool // profiles created by this import (pending ones too)
	newIDs  []int64
	counts  ResearcherCounts
	// known maps "orcid:<iD>" and "openalex:<id>" to the profiles of the
	// batch's authors (see prefetch).
	known map[string]int64
}

func newAuthorLinker(im *Importer) *authorLinker {
	return &authorLinker{im: im, seen: map[int64]bool{}, pending: map[int64]bool{}, created: map[int64]bool{}}
}

func (a *authorLinker) begin() {
	for _, id := range a.newIDs {
		delete(a.created, id)
	}
	a.pending, a.newIDs, a.counts = map[int64]bool{}, nil, ResearcherCounts{}
}

func (a *authorLinker) commit(c *ResearcherCounts) {
	for id := range a.pending {
		a.seen[id] = true
	}
	c.Created += a.counts.Created
	c.Linked += a.counts.Linked
	c.Links += a.counts.Links
	c.Skipped += a.counts.Skipped
	a.newIDs = nil
	a.begin()
}

// prefetch looks up, in one go, the profiles of every author of items, so
// that link needs no query to find one; profiles link creates are added.
func (a *authorLinker) prefetch(ctx context.Context, tx *sql.Tx, items []*oaItem) error {
	var orcids, oaIDs []string
	for _, it := range items {
		for _, au := range it.authors {
			if au == nil {
				continue
			}
			if au.orcid != "" {
				orcids = append(orcids, au.orcid)
			}
			if au.openAlexID != "" {
				oaIDs = append(oaIDs, au.openAlexID)
			}
		}
	}
	known, err := a.im.DB.FindResearchersTx(ctx, tx, orcids, oaIDs)
	a.known = known
	return err
}

// find returns the profile of au: by ORCID iD first, then by OpenAlex id,
// 0 if there is none.
func (a *authorLinker) find(au *oaAuthor) int64 {
	if id, ok := a.known["orcid:"+au.orcid]; ok && au.orcid != "" {
		return id
	}
	if id, ok := a.known["openalex:"+au.openAlexID]; ok && au.openAlexID != "" {
		return id
	}
	return 0
}

// link finds or creates the profile of each author of it and links it to
// seed seedID, within tx. prefetch must have run on the batch.
func (a *authorLinker) link(ctx context.Context, tx *sql.Tx, it *oaItem, seedID int64, orgs *orgResolver) error {
	db := a.im.DB
	for _, au := range it.authors {
		if au == nil {
			a.counts.Skipped++
			continue
		}
		var err error
		id := a.find(au)
		if id == 0 {
			r := &kakehashi.Researcher{Name: au.name, Career: kakehashi.CareerUnknown, ORCID: au.orcid, OpenAlexID: au.openAlexID,
				Keywords: []string{}, Fields: []string{}, Languages: []string{}, Publications: []kakehashi.Publication{au.pub},
				ListingIDs: []int64{seedID}}
			if au.org != nil {
				if r.OrgID, err = orgs.resolve(ctx, tx, au.org); err != nil {
					return err
				}
			}
			r.Normalize()
			if r.Validate() != nil {
				a.counts.Skipped++
				continue
			}
			if err := db.ImportResearcherTx(ctx, tx, r, a.im.Actor); err != nil {
				return err
			}
			if au.orcid != "" {
				a.known["orcid:"+au.orcid] = r.ID
			}
			if au.openAlexID != "" {
				a.known["openalex:"+au.openAlexID] = r.ID
			}
			a.created[r.ID] = true
			a.newIDs = append(a.newIDs, r.ID)
			a.counts.Created++
			a.counts.Links++
			continue
		}
		if !a.created[id] && !a.seen[id] && !a.pending[id] {
			a.pending[id] = true
			a.counts.Linked++
		}
		isNew, err := db.ImportLinkResearcherTx(ctx, tx, id, seedID, a.im.Actor)
		if err != nil {
			return err
		}
		if isNew {
			a.counts.Links++
		}
	}
	return nil
}
