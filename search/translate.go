package search

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/textproc"
)

// Cross-lingual matching: a query's Japanese content words are translated
// into weighted English alternatives with the EDICT lexicon, and its
// English words into Japanese ones, and searched together with the
// original terms. The alternatives of one source word share that word's
// weight, in the proportions the lexicon gives (first sense and common
// entries first), so a word with five translations weighs no more than a
// word with one.

// maxLoanwordSpellings bounds the English spellings tried for a katakana
// word the dictionary lacks.
const maxLoanwordSpellings = 200

// jaInfo is what translation needs to know of a Japanese query term: the
// terms it is a compound of, and whether it also occurs on its own
// rather than only inside a compound.
type jaInfo struct {
	parts      []string
	standalone bool
	// phrase is set on the entries, keyed phraseKey + the two terms, of two
	// adjacent English words: their text in lower case ("fuel cell").
	phrase string
}

// phraseKey starts the info keys of English two-word phrases.
const phraseKey = "\x00phrase "

// noteCompounds records, for the Japanese tokens of one text, which are
// compounds (the analyzer emits a compound after its parts, spanning
// them) and which occur on their own.
func noteCompounds(toks []textproc.Token, info map[string]*jaInfo) {
	inside := make([]bool, len(toks))
	for i, t := range toks {
		if t.Script != textproc.ScriptJapanese {
			continue
		}
		var parts []string
		for j := i - 1; j >= 0 && toks[j].Start >= t.Start; j-- {
			if toks[j].End <= t.End && toks[j].Script == textproc.ScriptJapanese && toks[j].End-toks[j].Start < t.End-t.Start {
				parts = append(parts, toks[j].Term)
				inside[j] = true
			}
		}
		in := info[t.Term]
		if in == nil {
			in = &jaInfo{}
			info[t.Term] = in
		}
		if len(parts) > 0 && in.parts == nil {
			in.parts = parts
		}
	}
	for i, t := range toks {
		if t.Script == textproc.ScriptJapanese && !inside[i] {
			info[t.Term].standalone = true
		}
		// Two English words side by side, one separator apart, may be one
		// term of the dictionary (fuel cell → 燃料電池).
		if i > 0 && t.Script == textproc.ScriptLatin && toks[i-1].Script == textproc.ScriptLatin && t.Pos == toks[i-1].Pos+1 && t.Start == toks[i-1].End+1 {
			k := phraseKey + toks[i-1].Term + " " + t.Term
			if info[k] == nil {
				info[k] = &jaInfo{parts: []string{toks[i-1].Term, t.Term}, phrase: strings.ToLower(toks[i-1].Surface + " " + t.Surface)}
			}
		}
	}
}

// translationAlt is one alternative of a source word: index terms with
// the share of the word's weight they carry together.
type translationAlt struct {
	text  string // as the lexicon gives it, for explanations
	terms []string
	share float64
	// src is the piece of the source word translated, when not all of it.
	src string
	// spelled marks a guessed loanword spelling: explanations show the
	// listing's own word instead.
	spelled bool
}

// translate returns wts followed by the translations of its terms.
// Terms already in wts keep their place; a translated term that is also
// an original one adds its weight there. The caller must not hold e.mu.
func (e *Engine) translate(wts []weightedTerm, info map[string]*jaInfo) []weightedTerm {
	if e.lex == nil || len(wts) == 0 {
		return wts
	}
	weightOf := map[string]float64{}
	for _, w := range wts {
		weightOf[w.term] = w.weight
	}
	covered := map[string]bool{}
	type source struct {
		w    weightedTerm
		alts []translationAlt
	}
	var sources []source
	// Compounds first: a compound the dictionary knows is translated
	// whole. Its parts are translated too, with their own weight, as they
	// count within one language (the analyzer indexes 全固体電池 and its
	// parts); a compound the dictionary lacks is translated part by part.
	for _, w := range wts {
		in := info[w.term]
		if !isJapanese(w.term) || in == nil || len(in.parts) == 0 {
			continue
		}
		alts := e.jaAlternatives(w.term)
		if len(alts) == 0 {
			continue
		}
		covered[w.term] = true
		sources = append(sources, source{w, alts})
	}
	// English two-word terms the dictionary knows are translated whole,
	// with the weight of both words, which are then not translated alone.
	var phrases []string
	for k := range info {
		if strings.HasPrefix(k, phraseKey) {
			phrases = append(phrases, k)
		}
	}
	slices.Sort(phrases)
	for _, k := range phrases {
		in := info[k]
		a, b := in.parts[0], in.parts[1]
		wa, okA := weightOf[a]
		wb, okB := weightOf[b]
		if !okA || !okB || covered[a] || covered[b] {
			continue
		}
		alts := e.enAlternatives(in.phrase)
		if len(alts) == 0 {
			alts = e.enAlternatives(strings.Replace(in.phrase, " ", "-", 1))
		}
		if len(alts) == 0 {
			continue
		}
		covered[a], covered[b] = true, true
		sources = append(sources, source{weightedTerm{term: a + " " + b, surface: in.phrase, weight: wa + wb}, alts})
	}
	// In a compound the dictionary lacks, a katakana word the analyzer cut
	// into pieces (メタドン as メタ + ドン) is translated whole.
	for _, w := range wts {
		in := info[w.term]
		if !isJapanese(w.term) || in == nil || len(in.parts) == 0 || covered[w.term] {
			continue
		}
		for _, run := range katakanaRuns(w.term) {
			var inside []string
			for _, p := range in.parts {
				if p != run && strings.Contains(run, p) && !covered[p] {
					inside = append(inside, p)
				}
			}
			if len(inside) < 2 && !(len(inside) == 1 && utf8.RuneCountInString(inside[0]) < utf8.RuneCountInString(run)) {
				continue // the analyzer kept the word whole
			}
			alts := e.jaAlternatives(run)
			if len(alts) == 0 {
				continue
			}
			tw := weightedTerm{term: run, surface: run}
			for _, p := range inside {
				covered[p] = true
				tw.weight = max(tw.weight, weightOf[p])
			}
			sources = append(sources, source{tw, alts})
		}
	}
	for _, w := range wts {
		if covered[w.term] {
			continue
		}
		var alts []translationAlt
		if isJapanese(w.term) {
			in := info[w.term]
			if in != nil && len(in.parts) > 0 {
				continue // an unknown compound: its parts are translated
			}
			if untranslated[w.term] {
				continue
			}
			if utf8.RuneCountInString(w.term) < 2 && (in == nil || !in.standalone) {
				continue // a fragment of a compound (液, 性)
			}
			alts = e.jaAlternatives(w.term)
		} else if translatableEnglish(w.surface) {
			alts = e.enAlternatives(w.surface)
		}
		if len(alts) > 0 {
			sources = append(sources, source{w, alts})
		}
	}
	out := wts
	at := map[string]int{}
	for i, w := range out {
		at[w.term] = i
	}
	for _, s := range sources {
		for _, a := range s.alts {
			per := s.w.weight * e.params.Translation * a.share / float64(len(a.terms))
			for _, t := range a.terms {
				if i, ok := at[t]; ok {
					out[i].weight += per
					continue
				}
				at[t] = len(out)
				from := s.w.surface
				if a.src != "" {
					from = a.src
				}
				out = append(out, weightedTerm{term: t, surface: a.text, weight: per, from: from, spelled: a.spelled})
			}
		}
	}
	return out
}

// untranslated are kana words whose dictionary entries are homographs of
// the grammatical words the analyzer meant (もつ "to have" is not the
// dish もつ, giblets; あり "there is" not the ant).
var untranslated = map[string]bool{
	"あり": true, "もつ": true, "みる": true, "える": true, "うる": true, "おる": true, "なし": true, "よる": true,
	"かける": true, "つく": true, "とる": true, "でる": true, "みせる": true, "つける": true, "おく": true,
}

// translatableEnglish reports whether an English query word is worth
// translating: not a number, a unit or an acronym (PD, SIDS), whose
// dictionary entries are unrelated words.
func translatableEnglish(surface string) bool {
	if utf8.RuneCountInString(surface) < 3 {
		return false
	}
	upper := 0
	for _, r := range surface {
		switch {
		case r >= '0' && r <= '9':
			return false
		case r >= 'A' && r <= 'Z':
			upper++
		}
	}
	return upper < 2
}

// katakanaRuns returns the runs of three or more katakana in s.
func katakanaRuns(s string) []string {
	var out []string
	start := -1
	flush := func(end int) {
		if start >= 0 && utf8.RuneCountInString(s[start:end]) >= 3 {
			out = append(out, s[start:end])
		}
		start = -1
	}
	for i, r := range s {
		if lexicon.IsKatakana(string(r)) && r != '・' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(s))
	return out
}

func isJapanese(term string) bool {
	r, _ := utf8.DecodeRuneInString(term)
	return r >= 0x3040
}

// jaAlternatives translates a Japanese term into English index terms: by
// the dictionary, or for a katakana loanword it lacks, by the likely
// English spellings that the index knows.
func (e *Engine) jaAlternatives(term string) []translationAlt {
	var alts []translationAlt
	for _, t := range e.lex.JaEn(term) {
		terms := e.englishTerms(t.Text)
		if len(terms) > 0 {
			alts = append(alts, translationAlt{text: t.Text, terms: terms, share: t.Weight})
		}
	}
	if len(alts) > 0 || !lexicon.IsKatakana(term) {
		return alts
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if sp, t := e.spell(term, maxLoanwordSpellings); t != "" {
		return []translationAlt{{text: sp, terms: []string{t}, share: 1, spelled: true}}
	}
	return e.katakanaPieces(term)
}

// spell returns the first likely English spelling of a katakana word
// whose term the index knows, and that term. The caller holds e.mu.
func (e *Engine) spell(kata string, n int) (string, string) {
	for _, sp := range lexicon.Spellings(kata, n) {
		terms := e.englishTerms(sp)
		if len(terms) != 1 {
			continue
		}
		if _, ok := e.pub.termIDs[terms[0]]; ok {
			return sp, terms[0]
		}
	}
	return "", ""
}

// maxPieceSpellings bounds the spellings tried for each piece of a
// katakana compound.
const maxPieceSpellings = 40

// katakanaPieces splits a katakana compound that neither the dictionary
// nor a spelling knows (ウェアラブルセンサー, which the analyzer may cut in
// the wrong place) into the fewest pieces that each are a dictionary word
// or spell a term of the index; the pieces share the word's weight. The
// caller holds e.mu.
func (e *Engine) katakanaPieces(term string) []translationAlt {
	rs := []rune(term)
	n := len(rs)
	if n < 6 || n > 24 {
		return nil
	}
	type piece struct {
		from  int
		alts  []translationAlt
		count int
	}
	best := make([]*piece, n+1)
	best[0] = &piece{}
	// Pieces have three katakana at least: shorter ones (メン, レジ) are
	// mostly homographs of unrelated words.
	for j := 3; j <= n; j++ {
		for i := 0; i+3 <= j; i++ {
			if best[i] == nil || (best[j] != nil && best[i].count+1 >= best[j].count) {
				continue
			}
			w := string(rs[i:j])
			if w == term {
				continue
			}
			var alts []translationAlt
			for _, t := range e.lex.JaEn(w) {
				if terms := e.englishTerms(t.Text); len(terms) > 0 {
					alts = append(alts, translationAlt{text: t.Text, terms: terms, share: t.Weight, src: w})
				}
			}
			if len(alts) == 0 {
				if sp, t := e.spell(w, maxPieceSpellings); t != "" {
					alts = []translationAlt{{text: sp, terms: []string{t}, share: 1, src: w, spelled: true}}
				}
			}
			if len(alts) > 0 {
				best[j] = &piece{from: i, alts: alts, count: best[i].count + 1}
			}
		}
	}
	if best[n] == nil {
		return nil
	}
	var out []translationAlt
	k := float64(best[n].count)
	for j := n; j > 0; j = best[j].from {
		for _, a := range best[j].alts {
			a.share /= k
			out = append(out, a)
		}
	}
	return out
}

// maxCachedTranslations bounds the cache of analyzed translations.
const maxCachedTranslations = 1 << 18

// englishTerms analyzes an English gloss into index terms.
func (e *Engine) englishTerms(text string) []string {
	if v, ok := e.glossTerms.Load(text); ok {
		return v.([]string)
	}
	var out []string
	for _, t := range e.an.Analyze(text) {
		if t.Script == textproc.ScriptLatin {
			out = append(out, t.Term)
		}
	}
	e.cacheTerms(text, out)
	return out
}

// cacheTerms remembers the index terms of a dictionary translation: the
// same few thousand come back query after query.
func (e *Engine) cacheTerms(text string, terms []string) {
	if e.glossCount.Load() < maxCachedTranslations {
		e.glossTerms.Store(text, terms)
		e.glossCount.Add(1)
	}
}

// enAlternatives translates an English word into Japanese index terms: a
// headword the analyzer keeps whole, or else its parts.
func (e *Engine) enAlternatives(surface string) []translationAlt {
	var alts []translationAlt
	for _, t := range e.lex.EnJa(strings.ToLower(surface)) {
		terms := e.japaneseTerms(t.Text)
		if len(terms) > 0 {
			alts = append(alts, translationAlt{text: t.Text, terms: terms, share: t.Weight})
		}
	}
	return alts
}

// japaneseTerms analyzes a Japanese headword into index terms: the word
// whole when the analyzer keeps it (as a word or a compound), else its
// parts.
func (e *Engine) japaneseTerms(word string) []string {
	key := "ja\x00" + word
	if v, ok := e.glossTerms.Load(key); ok {
		return v.([]string)
	}
	var terms []string
	for _, tk := range e.an.Analyze(word) {
		if tk.Script != textproc.ScriptJapanese {
			continue
		}
		if tk.Start == 0 && tk.End == len(word) {
			terms = []string{tk.Term}
			break
		}
		terms = append(terms, tk.Term)
	}
	e.cacheTerms(key, terms)
	return terms
}

// Languages says how the engine matches across languages, for /readyz and
// the log: cross-lingual with the dictionary's size, or monolingual.
func (e *Engine) Languages() string {
	if e.lex == nil {
		return "monolingual: no Japanese–English dictionary loaded (install Debian's edict package)"
	}
	st := e.lex.Stats()
	return fmt.Sprintf("cross-lingual ja⇄en (EDICT: %d Japanese, %d English terms)", st.Japanese, st.English)
}
