package screening

import "strings"

// isKana reports whether r is hiragana or katakana (not the prolonged sound
// mark, which only continues a kana run, nor the middle dot, a separator).
func isKana(r rune) bool {
	return r >= 0x3041 && r <= 0x3096 || r >= 0x30a1 && r <= 0x30fa
}

// kanaDigraphs are two-kana syllables (katakana) used for foreign names.
var kanaDigraphs = map[string]string{
	"キャ": "kya", "キュ": "kyu", "キョ": "kyo", "シャ": "sha", "シュ": "shu", "ショ": "sho", "シェ": "she",
	"チャ": "cha", "チュ": "chu", "チョ": "cho", "チェ": "che", "ニャ": "nya", "ニュ": "nyu", "ニョ": "nyo",
	"ヒャ": "hya", "ヒュ": "hyu", "ヒョ": "hyo", "ミャ": "mya", "ミュ": "myu", "ミョ": "myo", "リャ": "rya", "リュ": "ryu", "リョ": "ryo",
	"ギャ": "gya", "ギュ": "gyu", "ギョ": "gyo", "ジャ": "ja", "ジュ": "ju", "ジョ": "jo", "ジェ": "je",
	"ビャ": "bya", "ビュ": "byu", "ビョ": "byo", "ピャ": "pya", "ピュ": "pyu", "ピョ": "pyo",
	"ファ": "fa", "フィ": "fi", "フェ": "fe", "フォ": "fo", "フュ": "fyu", "ウィ": "wi", "ウェ": "we", "ウォ": "wo",
	"ヴァ": "va", "ヴィ": "vi", "ヴェ": "ve", "ヴォ": "vo", "ティ": "ti", "ディ": "di", "トゥ": "tu", "ドゥ": "du", "デュ": "dyu",
	"ツァ": "tsa", "ツェ": "tse", "ツォ": "tso", "イェ": "ye", "クァ": "kwa", "クィ": "kwi", "クェ": "kwe", "クォ": "kwo", "グァ": "gwa",
}

// kanaSyllables romanizes single katakana (Hepburn).
var kanaSyllables = map[rune]string{
	'ア': "a", 'イ': "i", 'ウ': "u", 'エ': "e", 'オ': "o", 'カ': "ka", 'キ': "ki", 'ク': "ku", 'ケ': "ke", 'コ': "ko",
	'サ': "sa", 'シ': "shi", 'ス': "su", 'セ': "se", 'ソ': "so", 'タ': "ta", 'チ': "chi", 'ツ': "tsu", 'テ': "te", 'ト': "to",
	'ナ': "na", 'ニ': "ni", 'ヌ': "nu", 'ネ': "ne", 'ノ': "no", 'ハ': "ha", 'ヒ': "hi", 'フ': "fu", 'ヘ': "he", 'ホ': "ho",
	'マ': "ma", 'ミ': "mi", 'ム': "mu", 'メ': "me", 'モ': "mo", 'ヤ': "ya", 'ユ': "yu", 'ヨ': "yo",
	'ラ': "ra", 'リ': "ri", 'ル': "ru", 'レ': "re", 'ロ': "ro", 'ワ': "wa", 'ヲ': "o", 'ン': "n",
	'ガ': "ga", 'ギ': "gi", 'グ': "gu", 'ゲ': "ge", 'ゴ': "go", 'ザ': "za", 'ジ': "ji", 'ズ': "zu", 'ゼ': "ze", 'ゾ': "zo",
	'ダ': "da", 'ヂ': "ji", 'ヅ': "zu", 'デ': "de", 'ド': "do", 'バ': "ba", 'ビ': "bi", 'ブ': "bu", 'ベ': "be", 'ボ': "bo",
	'パ': "pa", 'ピ': "pi", 'プ': "pu", 'ペ': "pe", 'ポ': "po", 'ヴ': "vu",
	'ァ': "a", 'ィ': "i", 'ゥ': "u", 'ェ': "e", 'ォ': "o", 'ャ': "ya", 'ュ': "yu", 'ョ': "yo", 'ヮ': "wa",
}

// kanaToRomaji romanizes a run of kana. Katakana renderings of foreign names
// insert vowels after bare consonants (ロステック for "Rostec"); those
// epenthetic vowels (the u of su, ku, fu, …, the o of to, do) are dropped
// before another consonant or at the end, the sokuon and the long-vowel
// mark are dropped, so the result is closer to the Latin spelling.
func kanaToRomaji(rs []rune) string {
	var syl []string
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r >= 0x3041 && r <= 0x3096 { // hiragana → katakana
			r += 0x60
		}
		if r == 'ッ' || r == 'っ' || r == 'ー' {
			continue
		}
		if i+1 < len(rs) {
			n := rs[i+1]
			if n >= 0x3041 && n <= 0x3096 {
				n += 0x60
			}
			if s, ok := kanaDigraphs[string([]rune{r, n})]; ok {
				syl = append(syl, s)
				i++
				continue
			}
		}
		if s, ok := kanaSyllables[r]; ok {
			syl = append(syl, s)
		}
	}
	var b strings.Builder
	for i, s := range syl {
		nextConsonant := i+1 == len(syl) || !strings.ContainsRune("aiueo", rune(syl[i+1][0]))
		if nextConsonant && len(s) >= 2 {
			switch s {
			case "su", "ku", "fu", "bu", "pu", "mu", "gu", "ru", "zu", "tsu", "vu", "to", "do":
				s = s[:len(s)-1]
			}
		}
		b.WriteString(s)
	}
	return b.String()
}
