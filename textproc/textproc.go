// Package textproc turns English and Japanese text into index terms:
// NFKC normalization (width folding), lower-casing, splitting into runs of
// one script, then English tokenization, stopwords and Snowball stemming, or
// Japanese morphological analysis with kagome and the IPA dictionary, keeping
// content words in their base form.
package textproc

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
	"github.com/kljensen/snowball/english"
	"golang.org/x/text/unicode/norm"
)

// Script is the writing system of a run of text.
type Script uint8

// Scripts told apart by the analyzer.
const (
	ScriptOther Script = iota
	ScriptLatin
	ScriptJapanese
)

func (s Script) String() string {
	switch s {
	case ScriptLatin:
		return "latin"
	case ScriptJapanese:
		return "japanese"
	}
	return "other"
}

// Token is one index term found in a text.
type Token struct {
	// Term is the normalized form that is indexed and searched.
	Term string
	// Surface is the text as written (after NFKC), for explanations and
	// highlighting.
	Surface string
	// Pos counts the tokens kept before this one, for proximity.
	Pos int
	// Start and End are byte offsets of Surface in the NFKC-normalized text.
	Start, End int
	Script     Script
}

// Analyzer analyzes text. It is safe for concurrent use.
type Analyzer struct {
	ja *tokenizer.Tokenizer
	// stems caches Snowball stems, the bulk of English analysis time;
	// natural text repeats its words, so the cache stays small.
	stems     sync.Map // string → string
	stemCount atomic.Int64
}

// maxStems bounds the stem cache.
const maxStems = 1 << 21

// New loads the Japanese dictionary (about half a second) and returns an Analyzer.
func New() (*Analyzer, error) {
	t, err := tokenizer.New(ipa.Dict(), tokenizer.OmitBosEos())
	if err != nil {
		return nil, err
	}
	return &Analyzer{ja: t}, nil
}

// Normalize applies NFKC (folding full-width Latin letters and digits and
// half-width katakana) and lower-cases.
func Normalize(s string) string {
	return strings.ToLower(norm.NFKC.String(s))
}

// Analyze returns the index terms of text in order.
func (a *Analyzer) Analyze(text string) []Token {
	return a.AppendTokens(nil, text)
}

// AppendTokens appends the index terms of text to dst.
func (a *Analyzer) AppendTokens(dst []Token, text string) []Token {
	text = norm.NFKC.String(text)
	pos := 0
	forEachRun(text, func(start, end int, sc Script) {
		run := text[start:end]
		switch sc {
		case ScriptJapanese:
			dst, pos = a.japanese(dst, run, start, pos)
		case ScriptLatin:
			dst, pos = a.latinWord(dst, run, start, pos)
		}
	})
	return dst
}

// Terms returns just the terms of text.
func (a *Analyzer) Terms(text string) []string {
	toks := a.Analyze(text)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Term
	}
	return out
}

// scriptOf classifies a rune. Digits and Latin letters are Latin; kana, kanji
// and the marks used inside Japanese words are Japanese; the rest separates.
func scriptOf(r rune) Script {
	switch {
	case r < 0x80:
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return ScriptLatin
		}
		return ScriptOther
	case unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) || r == 'ー' || r == '々' || r == '〆' || r == 'ヶ':
		return ScriptJapanese
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return ScriptLatin // accented Latin, Greek, Cyrillic: word characters handled like English
	}
	return ScriptOther
}

// forEachRun calls fn for each maximal run of one script. Separators
// between two runs of the same script belong to neither.
func forEachRun(s string, fn func(start, end int, sc Script)) {
	start, cur := 0, ScriptOther
	for i, r := range s {
		sc := scriptOf(r)
		if sc == cur {
			continue
		}
		if cur != ScriptOther {
			fn(start, i, cur)
		}
		start, cur = i, sc
	}
	if cur != ScriptOther {
		fn(start, len(s), cur)
	}
}

// latinWord turns a Latin run (a word, possibly with digits) into its term.
// forEachRun already cut at spaces and punctuation, so a run is one word.
func (a *Analyzer) latinWord(dst []Token, word string, offset, pos int) ([]Token, int) {
	lower := strings.ToLower(word)
	if isStopword(lower) {
		return dst, pos
	}
	term := lower
	if utf8.RuneCountInString(lower) > 2 && !hasDigit(lower) {
		term = a.stem(lower)
	}
	dst = append(dst, Token{Term: term, Surface: word, Pos: pos, Start: offset, End: offset + len(word), Script: ScriptLatin})
	return dst, pos + 1
}

// stem returns the Snowball English stem of a lower-case word.
func (a *Analyzer) stem(w string) string {
	if s, ok := a.stems.Load(w); ok {
		return s.(string)
	}
	s := english.Stem(w, false)
	if a.stemCount.Load() < maxStems {
		// Clone: w may be a slice of a long text the cache must not pin.
		a.stems.Store(strings.Clone(w), strings.Clone(s))
		a.stemCount.Add(1)
	}
	return s
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// japanese analyzes a Japanese run with kagome in search mode (which splits
// long compounds such as 全固体電池 into 全 / 固体 / 電池), keeping nouns,
// verbs and adjectives in their base form. A compound of several nouns (with
// prefixes and suffixes) is also kept whole, at the position of its first
// part: 電池 then finds 全固体電池, and 全固体電池 finds it more precisely.
func (a *Analyzer) japanese(dst []Token, run string, offset, pos int) ([]Token, int) {
	var (
		parts              int
		cStart, cEnd, cPos int
		cSurface           strings.Builder
	)
	flush := func() {
		if parts >= 2 && utf8.RuneCountInString(cSurface.String()) <= 16 {
			surface := cSurface.String()
			dst = append(dst, Token{Term: surface, Surface: surface, Pos: cPos, Start: cStart, End: cEnd, Script: ScriptJapanese})
		}
		parts = 0
		cSurface.Reset()
	}
	for _, t := range a.ja.Analyze(run, tokenizer.Search) {
		f := t.Features()
		start, end := offset+t.Position, offset+t.Position+len(t.Surface)
		if compoundPart(f) {
			if parts == 0 {
				cStart, cPos = start, pos
			}
			parts++
			cEnd = end
			cSurface.WriteString(strings.ToLower(t.Surface))
		} else {
			flush()
		}
		if !contentWord(f) {
			continue
		}
		term := t.Surface
		if len(f) > 6 && f[6] != "*" && f[6] != "" {
			term = f[6]
		}
		term = strings.ToLower(term)
		if jaStopwords[term] {
			continue
		}
		dst = append(dst, Token{Term: term, Surface: t.Surface, Pos: pos, Start: start, End: end, Script: ScriptJapanese})
		pos++
	}
	flush()
	return dst, pos
}

// compoundPart reports whether a morpheme can be part of a noun compound.
func compoundPart(f []string) bool {
	return len(f) > 1 && (f[0] == "名詞" && f[1] != "代名詞" && f[1] != "非自立" || f[0] == "接頭詞")
}

// contentWord reports whether an IPA part of speech is a content word:
// nouns (but not pronouns, numbers, suffixes or dependent nouns),
// independent verbs and adjectives, and unknown words (often katakana
// loanwords or technical terms).
func contentWord(f []string) bool {
	if len(f) == 0 {
		return false
	}
	switch f[0] {
	case "名詞":
		if len(f) > 1 {
			switch f[1] {
			case "代名詞", "数", "接尾", "非自立", "特殊":
				return false
			}
		}
		return true
	case "動詞", "形容詞":
		return len(f) > 1 && f[1] == "自立"
	case "接頭詞":
		return false
	}
	return false
}

// jaStopwords are content-word base forms too common to mean anything.
var jaStopwords = map[string]bool{
	"する": true, "ある": true, "いる": true, "なる": true, "できる": true, "れる": true, "られる": true,
	"こと": true, "もの": true, "ため": true, "よう": true, "これ": true, "それ": true, "行う": true,
	"おる": true, "いう": true, "ない": true, "よい": true, "いく": true, "くる": true,
}
