// Package lexicon is Kakehashi's bilingual Japanese–English term table,
// read from the EDICT dictionary (JMdict in the one-line EDICT format,
// EUC-JP) that Debian's edict package installs at /usr/share/edict/edict.
// The dictionary is read at run time and never copied into the repository
// (it is CC BY-SA 3.0, © Electronic Dictionary Research and Development
// Group).
//
// The table maps a Japanese headword (or the kana reading of a word usually
// written in kana) to weighted English glosses, and an English word or
// short phrase to weighted Japanese headwords. Weights say how likely a
// translation is: the first sense and its first gloss count most, entries
// marked common (P) count more than rare ones, and the weights of one
// word's alternatives add up to one, so that a word with five translations
// weighs no more in a query than a word with one.
package lexicon

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// DefaultPath is where Debian's edict package installs the dictionary.
const DefaultPath = "/usr/share/edict/edict"

// MaxAlternatives bounds the translations kept for one word: the rest
// carry too little weight to matter and would only slow queries down.
const MaxAlternatives = 5

// Translation is one weighted alternative for a word.
type Translation struct {
	// Text is the translation: an English word or short phrase, or a
	// Japanese headword.
	Text string
	// Weight is in (0, 1]; the alternatives of one word sum to one.
	Weight float64
}

// Lexicon is the two-way table. It is read-only after Load and safe for
// concurrent use.
type Lexicon struct {
	jaEn    map[string][]Translation
	enJa    map[string][]Translation
	entries int
}

// Entry is one parsed EDICT line.
type Entry struct {
	// Headword is the word as usually written (kanji, or kana for
	// kana-only words); Reading is its kana reading, empty when the
	// headword is kana.
	Headword, Reading string
	// Senses hold the glosses of each numbered sense, in order.
	Senses [][]string
	// Common is set for entries marked (P).
	Common bool
	// UsuallyKana is set when a sense is marked (uk): the word is usually
	// written in its reading.
	UsuallyKana bool
}

// ParseLine parses one UTF-8 EDICT line such as
//
//	電池 [でんち] /(n) battery/cell/(P)/
//
// It returns an error naming what is wrong with a malformed line.
func ParseLine(line string) (Entry, error) {
	var e Entry
	line = strings.TrimRight(line, "\r\n")
	head, rest, ok := strings.Cut(line, " /")
	if !ok {
		return e, fmt.Errorf("no glosses (want \"headword [reading] /gloss/\")")
	}
	if !strings.HasSuffix(rest, "/") {
		return e, fmt.Errorf("glosses do not end with /")
	}
	head = strings.TrimSpace(head)
	if i := strings.IndexByte(head, '['); i >= 0 {
		j := strings.IndexByte(head, ']')
		if j < i {
			return e, fmt.Errorf("reading not closed with ]")
		}
		e.Reading = strings.TrimSpace(head[i+1 : j])
		head = strings.TrimSpace(head[:i])
	}
	if head == "" || strings.ContainsAny(head, " /") {
		return e, fmt.Errorf("bad headword %q", head)
	}
	e.Headword = head
	var sense []string
	for _, g := range strings.Split(strings.TrimSuffix(rest, "/"), "/") {
		g = strings.TrimSpace(g)
		if g == "(P)" {
			e.Common = true
			continue
		}
		if strings.HasPrefix(g, "EntL") {
			continue
		}
		// Leading parenthesized tags: parts of speech, fields, (uk), and
		// (1), (2)… which start a new sense.
		for strings.HasPrefix(g, "(") {
			end := strings.IndexByte(g, ')')
			if end < 0 {
				break
			}
			tag := g[1:end]
			if isNumber(tag) && len(sense) > 0 {
				e.Senses = append(e.Senses, sense)
				sense = nil
			}
			if tag == "uk" || strings.Contains(tag, ",uk") || strings.HasPrefix(tag, "uk,") {
				e.UsuallyKana = true
			}
			g = strings.TrimSpace(g[end+1:])
		}
		if g = cleanGloss(g); g != "" {
			sense = append(sense, g)
		}
	}
	if len(sense) > 0 {
		e.Senses = append(e.Senses, sense)
	}
	if len(e.Senses) == 0 {
		return e, fmt.Errorf("no glosses")
	}
	return e, nil
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// maxGlossWords drops explanatory glosses: a translation used in a query
// is a word or a short term.
const maxGlossWords = 3

// cleanGloss strips parenthesized remarks, a leading "to " of verbs and
// articles, lower-cases, and drops glosses too long to be terms.
func cleanGloss(g string) string {
	var b strings.Builder
	depth := 0
	for _, r := range g {
		switch {
		case r == '(':
			depth++
		case r == ')':
			if depth > 0 {
				depth--
			}
		case depth == 0:
			b.WriteRune(r)
		}
	}
	s := strings.ToLower(strings.Join(strings.Fields(b.String()), " "))
	for _, p := range []string{"to be ", "to ", "a ", "an ", "the "} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.Trim(s, " .,;:!?\"'")
	if s == "" || strings.Count(s, " ")+1 > maxGlossWords || !utf8.ValidString(s) {
		return ""
	}
	// Affixes (-ian, -ite) and counters are not words a text contains.
	if strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.HasPrefix(s, "counter for") {
		return ""
	}
	for _, r := range s {
		if r >= 0x3000 { // glosses quoting Japanese are explanations
			return ""
		}
	}
	return s
}

// glossWeight weighs the g-th gloss (from 0) of the s-th sense (from 0):
// later senses and later glosses of a sense are less likely meant.
func glossWeight(s, g int) float64 {
	return 1 / (float64(s+1) * math.Sqrt(float64(g+1)))
}

// commonWeight scales entries: a common (P) entry is what a word usually
// means when several entries share its spelling.
func commonWeight(e *Entry) float64 {
	if e.Common {
		return 1
	}
	return 0.4
}

// Stats describe a loaded lexicon.
type Stats struct {
	Entries  int `json:"entries"`
	Japanese int `json:"japanese_terms"`
	English  int `json:"english_terms"`
}

// builder accumulates raw weights before they are normalized.
type builder struct {
	jaEn, enJa map[string][]Translation
	entries    int
}

func (b *builder) add(e *Entry) {
	b.entries++
	cw := commonWeight(e)
	keys := []string{norm.NFKC.String(e.Headword)}
	if e.Reading != "" && e.UsuallyKana {
		keys = append(keys, norm.NFKC.String(e.Reading))
	}
	for si, sense := range e.Senses {
		for gi, g := range sense {
			w := cw * glossWeight(si, gi)
			for ki, k := range keys {
				kw := w
				if ki > 0 {
					kw *= 0.5 // a reading is shared by homophones
				}
				addWeight(b.jaEn, k, g, kw)
			}
			// English → Japanese: how well the headword renders g. The
			// first gloss of the first sense is what the word means.
			addWeight(b.enJa, g, keys[0], w)
		}
	}
}

// keepWhileBuilding bounds the alternatives a word holds while the table
// is built. An alternative only ever gains weight, and one pushed out is
// below the keepWhileBuilding best at that moment, so the best
// MaxAlternatives at the end are exact.
const keepWhileBuilding = 16

// addWeight gives v the weight w among k's alternatives, keeping the
// largest weight when v was already there.
func addWeight(m map[string][]Translation, k, v string, w float64) {
	ts := m[k]
	low := -1
	for i := range ts {
		if ts[i].Text == v {
			ts[i].Weight = max(ts[i].Weight, w)
			return
		}
		if low < 0 || ts[i].Weight < ts[low].Weight {
			low = i
		}
	}
	if len(ts) < keepWhileBuilding {
		m[k] = append(ts, Translation{Text: v, Weight: w})
		return
	}
	if w > ts[low].Weight {
		ts[low] = Translation{Text: v, Weight: w}
	}
}

// normalize keeps the best MaxAlternatives of each word and scales their
// weights to sum to one.
func normalize(m map[string][]Translation) map[string][]Translation {
	for k, ts := range m {
		sort.Slice(ts, func(i, j int) bool {
			if ts[i].Weight != ts[j].Weight {
				return ts[i].Weight > ts[j].Weight
			}
			return ts[i].Text < ts[j].Text
		})
		ts = ts[:min(len(ts), MaxAlternatives)]
		var sum float64
		for _, t := range ts {
			sum += t.Weight
		}
		for i := range ts {
			ts[i].Weight /= sum
		}
		m[k] = slices.Clone(ts) // drop the spare capacity of the build
	}
	return m
}

// Load reads an EDICT file (EUC-JP, as Debian installs it).
func Load(path string) (*Lexicon, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	l, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// Read parses an EUC-JP EDICT stream. Malformed lines (and the header
// line) are skipped; a stream without any entry is an error.
func Read(r io.Reader) (*Lexicon, error) {
	b := newBuilder()
	sc := bufio.NewScanner(transform.NewReader(r, japanese.EUCJP.NewDecoder()))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || bytes.HasPrefix(line, []byte("　？？？")) {
			continue
		}
		e, err := ParseLine(string(line))
		if err != nil {
			continue
		}
		b.add(&e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if b.entries == 0 {
		return nil, fmt.Errorf("no EDICT entries found")
	}
	return b.lexicon(), nil
}

// New builds a lexicon from parsed entries, as Read does from a file.
func New(entries ...Entry) *Lexicon {
	b := newBuilder()
	for i := range entries {
		b.add(&entries[i])
	}
	return b.lexicon()
}

func newBuilder() *builder {
	return &builder{jaEn: map[string][]Translation{}, enJa: map[string][]Translation{}}
}

func (b *builder) lexicon() *Lexicon {
	return &Lexicon{jaEn: normalize(b.jaEn), enJa: normalize(b.enJa), entries: b.entries}
}

// Stats returns the table sizes.
func (l *Lexicon) Stats() Stats {
	return Stats{Entries: l.entries, Japanese: len(l.jaEn), English: len(l.enJa)}
}

// JaEn returns the weighted English translations of a Japanese word (NFKC
// normalized), nil when the dictionary has none.
func (l *Lexicon) JaEn(word string) []Translation {
	if l == nil {
		return nil
	}
	return l.jaEn[word]
}

// EnJa returns the weighted Japanese translations of an English word or
// short phrase (lower case), trying a singular form of a plural.
func (l *Lexicon) EnJa(word string) []Translation {
	if l == nil {
		return nil
	}
	if ts, ok := l.enJa[word]; ok {
		return ts
	}
	for _, s := range singulars(word) {
		if ts, ok := l.enJa[s]; ok {
			return ts
		}
	}
	return nil
}

// singulars guesses the singular of an English plural.
func singulars(w string) []string {
	switch {
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		return []string{w[:len(w)-3] + "y"}
	case strings.HasSuffix(w, "ses") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes"):
		return []string{w[:len(w)-2], w[:len(w)-1]}
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && len(w) > 3:
		return []string{w[:len(w)-1]}
	}
	return nil
}

// IsKatakana reports whether s is written in katakana only (with the long
// vowel mark), as loanwords are.
func IsKatakana(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.Is(unicode.Katakana, r) && r != 'ー' && r != '・' {
			return false
		}
	}
	return true
}
