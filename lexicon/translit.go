package lexicon

import (
	"sort"
	"strings"
)

// kanaUnits maps katakana (one rune, or a rune and a small vowel or
// glide) to Hepburn-like romaji, with the spellings loanwords use for
// sounds Japanese lacks (ティ ti, ファ fa, ヴァ va).
var kanaUnits = map[string]string{
	"ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o",
	"カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke", "コ": "ko",
	"サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so",
	"タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te", "ト": "to",
	"ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
	"ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho",
	"マ": "ma", "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo",
	"ヤ": "ya", "ユ": "yu", "ヨ": "yo",
	"ラ": "ra", "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro",
	"ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o", "ン": "n",
	"ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go",
	"ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze", "ゾ": "zo",
	"ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do",
	"バ": "ba", "ビ": "bi", "ブ": "bu", "ベ": "be", "ボ": "bo",
	"パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po",
	"ヴ": "vu", "ヴァ": "va", "ヴィ": "vi", "ヴェ": "ve", "ヴォ": "vo",
	"キャ": "kya", "キュ": "kyu", "キョ": "kyo", "シャ": "sha", "シュ": "shu", "ショ": "sho", "シェ": "she",
	"チャ": "cha", "チュ": "chu", "チョ": "cho", "チェ": "che", "ニャ": "nya", "ニュ": "nyu", "ニョ": "nyo",
	"ヒャ": "hya", "ヒュ": "hyu", "ヒョ": "hyo", "ミャ": "mya", "ミュ": "myu", "ミョ": "myo",
	"リャ": "rya", "リュ": "ryu", "リョ": "ryo", "ギャ": "gya", "ギュ": "gyu", "ギョ": "gyo",
	"ジャ": "ja", "ジュ": "ju", "ジョ": "jo", "ジェ": "je", "ビャ": "bya", "ビュ": "byu", "ビョ": "byo",
	"ピャ": "pya", "ピュ": "pyu", "ピョ": "pyo", "ティ": "ti", "ディ": "di", "トゥ": "tu", "ドゥ": "du",
	"ファ": "fa", "フィ": "fi", "フェ": "fe", "フォ": "fo", "フュ": "fyu", "ウィ": "wi", "ウェ": "we", "ウォ": "wo",
	"ツァ": "tsa", "ツィ": "tsi", "ツェ": "tse", "ツォ": "tso", "クァ": "qua", "クィ": "qui", "クェ": "que", "クォ": "quo",
	"イェ": "ye", "テュ": "tyu", "デュ": "dyu",
	"ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o", "ャ": "ya", "ュ": "yu", "ョ": "yo",
}

// unit is one mora of a katakana word: consonant and vowel, with whether a
// small ッ doubled its consonant and whether ー lengthened its vowel.
type unit struct {
	cons, vowel string
	double      bool
	long        bool
}

// units splits a katakana word into morae; ok is false for text that is
// not katakana.
func units(s string) ([]unit, bool) {
	rs := []rune(s)
	var out []unit
	double := false
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case 'ッ':
			double = true
			continue
		case 'ー':
			if len(out) == 0 {
				return nil, false
			}
			out[len(out)-1].long = true
			continue
		case '・':
			continue
		}
		rom := ""
		if i+1 < len(rs) {
			if v, ok := kanaUnits[string(rs[i:i+2])]; ok {
				rom = v
				i++
			}
		}
		if rom == "" {
			v, ok := kanaUnits[string(r)]
			if !ok {
				return nil, false
			}
			rom = v
		}
		cut := strings.IndexAny(rom, "aeiou")
		if cut < 0 {
			cut = len(rom)
		}
		out = append(out, unit{cons: rom[:cut], vowel: rom[cut:], double: double})
		double = false
	}
	return out, len(out) > 0
}

// spelling is a candidate with its cost: the more liberties it takes with
// the romaji, the higher.
type spelling struct {
	s    string
	cost float64
}

type option struct {
	s    string
	cost float64
}

// consOptions are the English spellings of a consonant before vowel v.
func consOptions(c, v string) []option {
	opts := []option{{c, 0}}
	switch c {
	case "r":
		opts = append(opts, option{"l", 0.6})
	case "k":
		if v != "i" && v != "e" {
			opts = append(opts, option{"c", 0.2})
		}
		opts = append(opts, option{"ch", 1})
	case "sh":
		opts = append(opts, option{"s", 0.3})
		if v == "i" || v == "e" {
			opts = append(opts, option{"c", 0.5})
		}
	case "ch":
		opts = append(opts, option{"t", 0.6})
	case "j":
		opts = append(opts, option{"g", 0.4}, option{"d", 0.8})
	case "f":
		opts = append(opts, option{"ph", 0.6})
	case "b":
		opts = append(opts, option{"v", 0.8})
	case "z":
		opts = append(opts, option{"s", 0.4})
	case "ts":
		opts = append(opts, option{"t", 0.5})
	case "t":
		opts = append(opts, option{"th", 0.5}) // メタドン methadone
	case "d":
		opts = append(opts, option{"th", 0.9})
	case "h":
		opts = append(opts, option{"", 1})
	}
	return opts
}

// vowelOptions are the English spellings of a vowel, last says whether
// the mora ends the word, canDrop whether the vowel may be one Japanese
// adds after a consonant (ク in ロック, ト in ロボット).
func vowelOptions(u unit, last, canDrop bool) []option {
	v := u.vowel
	var opts []option
	if u.long {
		switch v {
		case "a":
			opts = []option{{"ar", 0.2}, {"a", 0.3}, {"er", 0.3}, {"or", 0.4}, {"ur", 0.8}}
		case "i":
			opts = []option{{"y", 0.1}, {"ee", 0.4}, {"ea", 0.5}, {"i", 0.4}, {"ie", 0.6}}
		case "u":
			opts = []option{{"oo", 0.3}, {"u", 0.3}, {"ew", 0.6}}
		case "e":
			opts = []option{{"a", 0.3}, {"e", 0.3}, {"ai", 0.5}, {"er", 0.5}, {"ay", 0.6}}
		case "o":
			opts = []option{{"o", 0.2}, {"or", 0.3}, {"oa", 0.5}, {"ow", 0.6}, {"au", 0.6}, {"aw", 0.8}}
		default:
			opts = []option{{v, 0}}
		}
		return opts
	}
	opts = []option{{v, 0}}
	switch v {
	case "a":
		opts = append(opts, option{"u", 0.8}, option{"e", 1})
	case "i":
		if last {
			opts = append(opts, option{"y", 0.2}, option{"e", 0.5})
		} else {
			opts = append(opts, option{"y", 0.6}, option{"e", 0.9})
		}
	case "e":
		opts = append(opts, option{"a", 0.7})
	case "o":
		opts = append(opts, option{"a", 0.9})
	}
	if canDrop {
		drop := 0.1
		if !last {
			drop = 0.3
		}
		opts = append(opts, option{"", drop})
		if last {
			opts = append(opts, option{"e", 0.4}) // ライフ life, ノード node
		}
		opts[0].cost = 0.5
	}
	return opts
}

// droppable reports whether u's vowel may be epenthetic: Japanese adds u
// (o after t and d, i after ch, sh and j) to a consonant that ends an
// English syllable.
func droppable(u unit, next *unit) bool {
	if u.cons == "" || u.long || u.cons == "n" && u.vowel == "" {
		return false
	}
	if next != nil && next.cons == "" {
		return false // followed by a vowel: a real syllable
	}
	switch u.vowel {
	case "u":
		return u.cons != "y" && u.cons != "w"
	case "o":
		return u.cons == "t" || u.cons == "d"
	case "i":
		return u.cons == "ch" || u.cons == "sh" || u.cons == "j"
	}
	return false
}

// maxSpellings bounds the candidates kept while spelling a word.
const maxSpellings = 256

// Spellings guesses how a katakana loanword is spelled in English, most
// likely first, at most limit of them: バッテリー gives battery among its
// first candidates, センサー sensor. It returns nil for text that is not
// katakana. The guesses are meant to be checked against a vocabulary.
func Spellings(kata string, limit int) []string {
	us, ok := units(kata)
	if !ok || limit <= 0 {
		return nil
	}
	beam := []spelling{{}}
	for i, u := range us {
		var next *unit
		if i+1 < len(us) {
			next = &us[i+1]
		}
		last := next == nil
		var cons []option
		if u.cons == "n" && u.vowel == "" {
			cons = []option{{"n", 0}}
			if next != nil && (next.cons == "b" || next.cons == "p" || next.cons == "m") {
				cons = append(cons, option{"m", 0.1})
			}
		} else {
			cons = consOptions(u.cons, u.vowel)
		}
		vowels := []option{{"", 0}}
		if u.vowel != "" {
			vowels = vowelOptions(u, last, droppable(u, next))
		}
		nb := make([]spelling, 0, len(beam)*len(cons)*len(vowels)*2)
		for _, b := range beam {
			for _, c := range cons {
				prefixes := []option{{c.s, c.cost}}
				if u.double && c.s != "" {
					prefixes = []option{{c.s[:1] + c.s, c.cost}, {c.s, c.cost + 0.3}}
					if c.s == "ch" {
						prefixes[0].s = "tch"
					}
					if c.s == "k" || c.s == "c" {
						prefixes = append(prefixes, option{"ck", c.cost})
					}
				}
				for _, p := range prefixes {
					for _, v := range vowels {
						nb = append(nb, spelling{s: b.s + p.s + v.s, cost: b.cost + p.cost + v.cost})
					}
				}
			}
		}
		sort.SliceStable(nb, func(i, j int) bool { return nb[i].cost < nb[j].cost })
		beam = nb[:min(len(nb), maxSpellings)]
	}
	out := make([]string, 0, min(limit, len(beam)))
	seen := map[string]bool{}
	for _, b := range beam {
		if b.s == "" || seen[b.s] {
			continue
		}
		seen[b.s] = true
		out = append(out, b.s)
		if len(out) == limit {
			break
		}
	}
	return out
}
