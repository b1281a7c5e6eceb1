package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
	"github.com/kakehashi/kakehashi/textproc"
)

// Synthetic generates listings deterministically: listing i is the same
// every time it is asked for, so a corpus of a million listings need not be
// kept in memory beside the index under test.
type Synthetic struct {
	Seed  uint64
	vocab []string
}

// vocabSize is the number of distinct words in synthetic text.
const vocabSize = 60000

// NewSynthetic builds a vocabulary of pronounceable pseudo-words; word
// frequencies follow a Zipf law (s = 1.1) as in natural text.
func NewSynthetic(seed uint64) *Synthetic {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	onsets := []string{"b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "cr", "st", "tr", "ph", "th", "ch", "pl"}
	vowels := []string{"a", "e", "i", "o", "u", "ae", "io", "ou", "y"}
	codas := []string{"", "n", "r", "s", "l", "x", "m", "t", "nd", "st"}
	seen := map[string]bool{}
	s := &Synthetic{Seed: seed, vocab: make([]string, 0, vocabSize)}
	for len(s.vocab) < vocabSize {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteString(onsets[rng.IntN(len(onsets))])
			b.WriteString(vowels[rng.IntN(len(vowels))])
		}
		b.WriteString(codas[rng.IntN(len(codas))])
		w := b.String()
		if !seen[w] {
			seen[w] = true
			s.vocab = append(s.vocab, w)
		}
	}
	return s
}

var (
	synthCountries = []string{"JP", "JP", "JP", "US", "US", "GB", "DE", "FR", "KR", "SG", "CA", "AU", "NL", "SE", "IN", "CH"}
	synthSectors   = kakehashi.Sectors
	synthFields    = []string{"1.2", "1.3", "1.4", "1.6", "2.2", "2.3", "2.4", "2.5", "2.6", "2.10", "3.1", "3.2", "4.1"}
)

func (s *Synthetic) words(rng *rand.Rand, z *rand.Zipf, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.vocab[z.Uint64()])
	}
	return b.String()
}

// Listing returns synthetic listing i (ids start at 1): 150–300 words over
// title, keywords, summary and body, a side and kind, an owner among 1,000
// organizations, fields, sectors, TRL, partnership types and target countries.
func (s *Synthetic) Listing(id int64) *kakehashi.Listing {
	rng := rand.New(rand.NewPCG(s.Seed, uint64(id)))
	z := rand.NewZipf(rng, 1.1, 2, vocabSize-1)
	total := 150 + rng.IntN(151)
	nt, nk, ns := 6+rng.IntN(7), 3+rng.IntN(4), 20+rng.IntN(21)
	kw := make([]string, 0, nk)
	for len(kw) < nk {
		if w := s.vocab[z.Uint64()]; !slices.Contains(kw, w) {
			kw = append(kw, w)
		}
	}
	l := &kakehashi.Listing{
		ID: id, OrgID: 1 + int64(rng.IntN(1000)), Language: "en", Visibility: kakehashi.VisibilityPublic, Status: kakehashi.StatusOpen,
		Title: s.words(rng, z, nt), Keywords: kw, Summary: s.words(rng, z, ns), Body: s.words(rng, z, max(0, total-nt-nk-ns)),
		TRL: 1 + rng.IntN(9), IP: kakehashi.IP{Status: kakehashi.IPNone},
		Fields:  []string{synthFields[rng.IntN(len(synthFields))]},
		Sectors: []string{synthSectors[rng.IntN(len(synthSectors))]},
	}
	if rng.IntN(10) < 6 {
		l.Side, l.Kind = kakehashi.SideSeed, kakehashi.SeedKinds[rng.IntN(len(kakehashi.SeedKinds))]
	} else {
		l.Side, l.Kind = kakehashi.SideNeed, kakehashi.NeedKinds[rng.IntN(len(kakehashi.NeedKinds))]
		if rng.IntN(2) == 0 {
			d := time.Date(2027, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 23, 59, 59, 0, time.UTC)
			l.Deadline = &d
		}
	}
	for _, p := range kakehashi.PartnershipTypes {
		if rng.IntN(3) == 0 {
			l.PartnershipTypes = append(l.PartnershipTypes, p)
		}
	}
	for range rng.IntN(3) {
		l.TargetCountries = append(l.TargetCountries, synthCountries[rng.IntN(len(synthCountries))])
	}
	return l
}

// Query returns free-text query i: two to four words whose frequency ranks
// are spread log-uniformly from the 100th to the 20,000th word, from common
// words found in most listings to technical terms found in a few, the mix
// a person types.
func (s *Synthetic) Query(i int) string {
	rng := rand.New(rand.NewPCG(s.Seed^0xfeed, uint64(i)))
	n := 2 + rng.IntN(3)
	w := make([]string, n)
	for j := range w {
		rank := int(math.Exp(math.Log(100) + rng.Float64()*(math.Log(20000)-math.Log(100))))
		w[j] = s.vocab[rank]
	}
	return strings.Join(w, " ")
}

// synthSource serves synthetic listings to the engine by regenerating them.
type synthSource struct {
	s *Synthetic
	n int64
}

func (m *synthSource) ScanListings(_ context.Context, after int64, limit int) ([]*kakehashi.Listing, error) {
	var out []*kakehashi.Listing
	for id := after + 1; id <= m.n && len(out) < limit; id++ {
		out = append(out, m.s.Listing(id))
	}
	return out, nil
}

func (m *synthSource) ListingsByID(_ context.Context, ids []int64) ([]*kakehashi.Listing, error) {
	var out []*kakehashi.Listing
	for _, id := range ids {
		if id >= 1 && id <= m.n {
			out = append(out, m.s.Listing(id))
		}
	}
	return out, nil
}

func (m *synthSource) Organization(_ context.Context, id int64) (*kakehashi.Organization, error) {
	return &kakehashi.Organization{ID: id, Name: fmt.Sprintf("Organization %d", id), Kind: kakehashi.OrgUniversity,
		Country: synthCountries[int(id)%len(synthCountries)]}, nil
}

func (m *synthSource) ListingChanges(context.Context, int64, int) ([]kakehashi.ListingChange, error) {
	return nil, nil
}

// ScaleReport is what one corpus size measured.
type ScaleReport struct {
	Listings  int     `json:"listings"`
	BuildSec  float64 `json:"build_seconds"`
	HeapMiB   float64 `json:"heap_mib"`
	Terms     int     `json:"terms"`
	Postings  int     `json:"postings"`
	SearchP50 float64 `json:"search_p50_ms"`
	SearchP99 float64 `json:"search_p99_ms"`
	MatchP50  float64 `json:"match_p50_ms"`
	MatchP99  float64 `json:"match_p99_ms"`
	Queries   int     `json:"queries"`
}

// RunScale builds the engine over n synthetic listings (generating them on
// the fly, on all cores) and times free-text searches and need→seed
// matches, one at a time on one goroutine.
func RunScale(ctx context.Context, an *textproc.Analyzer, syn *Synthetic, n, queries int) (*ScaleReport, error) {
	src := &synthSource{s: syn, n: int64(n)}
	before := heapMiB()
	start := time.Now()
	e := search.New(an, src, search.Options{})
	if err := e.BuildFunc(ctx, n, func(i int) *kakehashi.Listing { return syn.Listing(int64(i + 1)) }, 0); err != nil {
		return nil, err
	}
	rep := &ScaleReport{Listings: n, BuildSec: time.Since(start).Seconds(), Queries: queries}
	rep.HeapMiB = heapMiB() - before
	st := e.Stats()
	rep.Terms, rep.Postings = st.Terms, st.Postings

	seeds := search.Filter{Side: kakehashi.SideSeed, Open: true}
	var sl, ml []float64
	for i := range queries {
		q := search.Query{Text: syn.Query(i), Limit: 10, Filter: search.Filter{Open: true}}
		t := time.Now()
		if _, err := e.SearchIDs(ctx, q); err != nil {
			return nil, err
		}
		sl = append(sl, float64(time.Since(t).Microseconds())/1000)

		need := syn.Listing(int64(1 + (i*7919)%n))
		need.Side = kakehashi.SideNeed
		t = time.Now()
		e.RankListing(need, 10, seeds, nil)
		ml = append(ml, float64(time.Since(t).Microseconds())/1000)
	}
	rep.SearchP50, rep.SearchP99 = percentile(sl, 0.5), percentile(sl, 0.99)
	rep.MatchP50, rep.MatchP99 = percentile(ml, 0.5), percentile(ml, 0.99)
	return rep, nil
}
