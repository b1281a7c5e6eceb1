// Command casegen writes screening/testdata/cases.jsonl: labeled screening
// queries built from the real US Consolidated Screening List (variants of
// listed names whose expected hit is the entry's _id) plus hand-written
// transliterations, real organizations that are not listed and near misses.
//
//	go run ./screening/internal/casegen -list ../shared/data/us-consolidated-screening-list.csv.gz > screening/testdata/cases.jsonl
//
// It is deterministic for a given list and seed.
package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/screening"
)

// Case is one labeled query.
type Case struct {
	ID      string   `json:"id"`
	Query   string   `json:"query"`
	Country string   `json:"country,omitempty"`
	Expect  []string `json:"expect"`
	Kind    string   `json:"kind"`
}

func main() {
	list := flag.String("list", "../shared/data/us-consolidated-screening-list.csv.gz", "the CSL CSV (.gz)")
	n := flag.Int("n", 300, "generated positive cases")
	seed := flag.Uint64("seed", 7, "random seed")
	flag.Parse()
	if err := run(*list, *n, *seed, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "casegen:", err)
		os.Exit(1)
	}
}

func run(list string, n int, seed uint64, w io.Writer) error {
	f, err := os.Open(list)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", list, err)
	}
	entries, err := screening.ParseCSL(zr)
	if err != nil {
		return err
	}
	// Every id whose primary name normalizes alike is the same party.
	byNorm := map[string][]string{}
	for _, e := range entries {
		k := screening.Normalize(e.Name)
		if !slices.Contains(byNorm[k], e.ID) {
			byNorm[k] = append(byNorm[k], e.ID)
		}
	}
	expect := func(e kakehashi.ScreeningEntry) []string { return byNorm[screening.Normalize(e.Name)] }

	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var pool []kakehashi.ScreeningEntry
	for _, e := range entries {
		if e.Type == "Vessel" || e.Type == "Aircraft" || len(e.Name) > 60 || len(screening.Normalize(e.Name)) < 8 {
			continue
		}
		pool = append(pool, e)
	}
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	kinds := []string{"exact", "legal_form", "punctuation", "token_order", "dropped_token", "typo", "alias", "abbreviation", "case_diacritics", "typo"}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	out := 0
	usedQ := map[string]bool{}
	for i := 0; out < n && i < len(pool); i++ {
		e := pool[i]
		kind := kinds[out%len(kinds)]
		q, ok := variantOf(rng, e, kind)
		if !ok || usedQ[q] {
			continue
		}
		usedQ[q] = true
		c := Case{ID: fmt.Sprintf("gen-%03d", out+1), Query: q, Expect: expect(e), Kind: kind}
		if out%3 == 0 {
			c.Country = e.Country
		}
		if err := enc.Encode(c); err != nil {
			return err
		}
		out++
	}
	// Hand-written positives: transliterations and well-known listed names,
	// resolved to ids by the exact listed name.
	byName := map[string][]string{}
	for _, e := range entries {
		byName[strings.ToLower(e.Name)] = append(byName[strings.ToLower(e.Name)], e.ID)
	}
	for i, h := range handPositives {
		ids := byName[strings.ToLower(h.listed)]
		if len(ids) == 0 {
			return fmt.Errorf("hand case %q: no entry named %q", h.query, h.listed)
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if err := enc.Encode(Case{ID: fmt.Sprintf("hand-%03d", i+1), Query: h.query, Country: h.country, Expect: ids, Kind: h.kind}); err != nil {
			return err
		}
	}
	for i, h := range negatives {
		if err := enc.Encode(Case{ID: fmt.Sprintf("neg-%03d", i+1), Query: h.query, Country: h.country, Expect: []string{}, Kind: h.kind}); err != nil {
			return err
		}
	}
	return nil
}

var legalSuffixes = []string{" Co., Ltd.", " LLC", " GmbH", " Inc.", " K.K.", " Limited", " Corporation", " S.A.", " Pvt Ltd", " JSC", " Sdn Bhd", " S.p.A."}

// variantOf makes a query of the given kind from a listed name, or reports
// that the name does not lend itself to that kind.
func variantOf(rng *rand.Rand, e kakehashi.ScreeningEntry, kind string) (string, bool) {
	name := strings.TrimSpace(e.Name)
	words := strings.Fields(name)
	switch kind {
	case "exact":
		return name, true
	case "legal_form":
		if e.Type == "Individual" {
			return "", false
		}
		base := words
		for len(base) > 1 && isLegal(base[len(base)-1]) {
			base = base[:len(base)-1]
		}
		s := strings.TrimRight(strings.Join(base, " "), ",")
		if rng.IntN(4) == 0 {
			return "株式会社" + s, true
		}
		return s + legalSuffixes[rng.IntN(len(legalSuffixes))], true
	case "punctuation":
		s := strings.Map(func(r rune) rune {
			if strings.ContainsRune(".,'\"()", r) {
				return -1
			}
			if r == '-' {
				return ' '
			}
			return r
		}, name)
		if s == name {
			if len(words) < 2 {
				return "", false
			}
			s = strings.Join(words[:1], "") + ", " + strings.Join(words[1:], " ")
			if rng.IntN(2) == 0 {
				s = strings.Join(words, "-")
			}
		}
		return s, true
	case "token_order":
		// Reverse the words of the name proper; legal forms stay where they are.
		var content []int
		for i, w := range words {
			if !isLegal(w) {
				content = append(content, i)
			}
		}
		if len(content) < 2 {
			return "", false
		}
		w := slices.Clone(words)
		for i, j := range content {
			w[j] = strings.Trim(words[content[len(content)-1-i]], ",")
		}
		return strings.Join(w, " "), true
	case "dropped_token":
		var content []int
		for i, w := range words {
			if i > 0 && !isLegal(w) && len(screening.Normalize(w)) > 0 {
				content = append(content, i)
			}
		}
		if len(content) < 2 || len(strings.Fields(screening.Normalize(name))) < 3 {
			return "", false
		}
		d := content[rng.IntN(len(content))]
		return strings.Join(slices.Delete(slices.Clone(words), d, d+1), " "), true
	case "typo":
		var long []int
		for i, w := range words {
			if len(w) >= 6 && isAlpha(w) && !isLegal(w) {
				long = append(long, i)
			}
		}
		if len(long) == 0 {
			return "", false
		}
		i := long[rng.IntN(len(long))]
		words = slices.Clone(words)
		words[i] = typo(rng, words[i])
		return strings.Join(words, " "), true
	case "alias":
		if len(e.Aliases) == 0 {
			return "", false
		}
		a := e.Aliases[rng.IntN(len(e.Aliases))]
		if len(screening.Normalize(a)) < 6 {
			return "", false
		}
		return a, true
	case "abbreviation":
		r := strings.NewReplacer("International", "Intl", "INTERNATIONAL", "INTL", "University", "Univ.", "UNIVERSITY", "UNIV.",
			"Technology", "Tech", "TECHNOLOGY", "TECH", " and ", " & ", " AND ", " & ", "Company", "Co.", "COMPANY", "CO.",
			"Corporation", "Corp.", "CORPORATION", "CORP.", "Limited", "Ltd", "LIMITED", "LTD")
		s := r.Replace(name)
		if s == name {
			return "", false
		}
		return s, true
	case "case_diacritics":
		s := strings.ToLower(name)
		s = strings.NewReplacer("e", "é", "a", "á", "o", "ö", "u", "ü").Replace(s)
		if s == strings.ToLower(name) {
			return "", false
		}
		return strings.Replace(s, "é", "e", 1), true
	}
	return "", false
}

// legalWords are words of multi-word legal forms ("Limited Liability Company").
var legalWords = map[string]bool{"liability": true, "joint": true, "stock": true, "public": true, "open": true, "closed": true, "private": true}

func isLegal(w string) bool {
	return screening.Normalize("x "+w) == "x" || legalWords[strings.ToLower(strings.Trim(w, ",."))]
}

func isAlpha(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// typo applies one substitution, deletion, insertion or transposition inside a word.
func typo(rng *rand.Rand, w string) string {
	r := []rune(w)
	i := 1 + rng.IntN(len(r)-2)
	switch rng.IntN(4) {
	case 0:
		r[i] = rune('a' + rng.IntN(26))
		if unicode.IsUpper(r[i-1]) {
			r[i] = unicode.ToUpper(r[i])
		}
	case 1:
		r = slices.Delete(r, i, i+1)
	case 2:
		r = slices.Insert(r, i, r[i])
	default:
		r[i], r[i+1] = r[i+1], r[i]
	}
	return string(r)
}
