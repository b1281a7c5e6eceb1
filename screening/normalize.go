package screening

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the normalized form of a name used for matching:
// NFKC, lower case, diacritics removed, Cyrillic and kana transliterated to
// Latin, punctuation dropped, common abbreviations expanded, filler words
// ("the", "of", "and") dropped and legal forms (Co., Ltd., GmbH, 株式会社,
// OOO, PJSC, …) removed from both ends. Tokens are separated by one space.
func Normalize(name string) string { return normalize(name).text }

// normName is a normalized name with its tokens and notes on what
// normalization did, for explanations.
type normName struct {
	text   string
	tokens []string
	notes  []string
}

// cjkLegalForms are legal forms written in Japanese or Chinese, removed as
// substrings before tokenization (these scripts have no spaces). Longer forms
// come first so 股份有限公司 is not left as 股份.
var cjkLegalForms = [...]string{
	"股份有限公司", "有限责任公司", "有限責任公司", "集团有限公司", "有限公司", "株式会社", "有限会社", "合同会社", "合資会社", "合名会社",
	"(株)", "(有)", "(合)", "集团", "集團", "公司",
}

// abbreviations maps tokens to the word they stand for, so "Intl Tech Univ"
// and "International Technology University" normalize alike. Plurals of
// generic words are folded here too.
var abbreviations = map[string]string{
	"intl": "international", "int'l": "international", "internat": "international",
	"univ": "university", "uni": "university",
	"tech": "technology", "techn": "technology", "technol": "technology", "technologies": "technology", "technologys": "technology",
	"mfg": "manufacturing", "natl": "national", "nat'l": "national",
	"inst": "institute", "institutes": "institute", "dept": "department",
	"sci": "science", "sciences": "science", "ctr": "center", "cntr": "center", "centre": "center",
	"assn": "association", "assoc": "association", "industries": "industry", "ind": "industry", "indus": "industry",
	"eng": "engineering", "engg": "engineering", "elec": "electronic", "electronics": "electronic",
	"svc": "service", "svcs": "service", "services": "service", "bros": "brothers", "mgmt": "management",
	"dev": "development", "devt": "development", "acad": "academy", "lab": "laboratory", "labs": "laboratory",
	"laboratories": "laboratory", "systems": "system", "sys": "system", "trading": "trade", "tr": "trade",
	"mach": "machinery", "equip": "equipment", "chem": "chemical", "chemicals": "chemical", "pharma": "pharmaceutical",
	"pharmaceuticals": "pharmaceutical", "kontsern": "concern", "kompaniya": "company", "petrochem": "petrochemical", "aero": "aeronautics", "aeronautical": "aeronautics",
}

// stopwords are dropped from names: they carry no identity ("&" becomes "and").
var stopwords = map[string]bool{"the": true, "of": true, "and": true}

// legalForms are legal-form suffixes and prefixes in many languages, as
// normalized token sequences. They are removed from either end of a name
// (repeatedly, as long as a token remains), never from its middle, so short
// forms such as "sa" or "ao" cannot eat a word inside a name.
var legalForms = func() [][]string {
	forms := []string{
		// English and common-law
		"co ltd", "co limited", "company limited", "company ltd", "corp ltd", "corporation limited", "co inc", "co llc",
		"public company limited", "public limited company", "limited liability company", "limited liability partnership",
		"ltd liability co", "ltd liability company", "limited liability co", "joint stock co", "public joint stock co",
		"private limited", "pvt ltd", "private ltd", "pvt", "pte ltd", "pte", "pty ltd", "pty", "plc", "llc", "llp", "lp",
		"ltd", "limited", "inc", "incorporated", "corp", "corporation", "co", "company", "coltd", "pvtltd",
		"group", "holding", "holdings", "group co", "holding co", "group corporation",
		// Russian and CIS (Latin and transliterated Cyrillic)
		"public joint stock company", "open joint stock company", "closed joint stock company", "joint stock company",
		"pjsc", "ojsc", "cjsc", "jsc", "pao", "oao", "zao", "ooo", "ao", "tov", "pat", "prat", "chjsc",
		"obshchestvo s ogranichennoy otvetstvennostyu", "obshchestvo s ogranichennoi otvetstvennostiu",
		"aktsionernoye obshchestvo", "aktsionernoe obshchestvo", "publichnoye aktsionernoye obshchestvo",
		"publichnoe aktsionernoe obshchestvo", "zakrytoye aktsionernoye obshchestvo", "otkrytoye aktsionernoye obshchestvo",
		"nauchno proizvodstvennoe obedinenie",
		// Japanese romaji
		"kabushiki kaisha", "kabushikigaisha", "kabushiki gaisha", "yugen kaisha", "yugengaisha", "godo kaisha", "godo gaisha",
		"kk", "gk", "yk",
		// German, Dutch, Nordic, Central European
		"gmbh", "gmbh co kg", "co kg", "kg", "ag", "aktiengesellschaft", "bv", "nv", "ab", "as", "asa", "oy", "oyj", "aps",
		"kft", "zrt", "sp zoo", "sp z oo", "doo", "ad", "eood", "ood", "sro",
		// Romance languages, Latin America
		"sa", "sas", "sarl", "sa de cv", "s de rl de cv", "de cv", "s de rl", "srl", "spa", "sl", "sociedad anonima", "ltda", "cia", "cia ltda", "sapi de cv",
		// Middle East, South and South-East Asia
		"fze", "fzco", "fzc", "fz llc", "fz co", "dmcc", "llc fz", "sdn bhd", "bhd", "tbk", "pt", "cv", "ltd sti", "sti", "as ltd",
	}
	out := make([][]string, len(forms))
	for i, f := range forms {
		out[i] = strings.Fields(f)
	}
	return out
}()

// cyrillic transliterates Russian and Ukrainian letters to Latin (BGN/PCGN-like).
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i", 'й': "y",
	'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f",
	'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g", 'ў': "u",
}

// latinFolds spells out Latin letters that do not decompose into a base letter and a mark.
var latinFolds = map[rune]string{'ß': "ss", 'æ': "ae", 'ø': "o", 'ł': "l", 'đ': "d", 'ı': "i", 'œ': "oe", 'þ': "th", 'ð': "d"}

// normalize does the work of Normalize and records what it did.
func normalize(name string) normName {
	var n normName
	s := norm.NFKC.String(name)
	for _, f := range cjkLegalForms {
		if strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, " ")
			n.notes = append(n.notes, "legal form '"+f+"' ignored")
		}
	}
	s = strings.ToLower(s)
	// Remove diacritics: decompose, drop combining marks of Latin/Cyrillic
	// (U+0300–U+036F only, so kana voicing marks survive), recompose.
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	stripped := false
	for _, r := range d {
		if r >= 0x300 && r <= 0x36f {
			stripped = true
			continue
		}
		b.WriteRune(r)
	}
	s = norm.NFC.String(b.String())
	if stripped {
		n.notes = append(n.notes, "diacritics removed")
	}
	// Transliterate and strip punctuation.
	b.Reset()
	var cyr, kana, lastHan bool
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		han := unicode.Is(unicode.Han, r)
		if han != lastHan {
			b.WriteByte(' ') // a change between Han and other scripts separates tokens
			lastHan = han
		}
		switch {
		case r == '.' || r == '\'' || r == '’' || r == '‘' || r == '`' || r == 0x92 || r == 'ʼ':
			// dropped without a space, so "S.A." is "sa" and "Int'l" is "intl"
		case r == '&':
			b.WriteString(" and ")
			n.notes = appendOnce(n.notes, "'&' read as 'and'")
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case cyrillic[r] != "" || r == 'ъ' || r == 'ь':
			b.WriteString(cyrillic[r])
			cyr = true
		case latinFolds[r] != "":
			b.WriteString(latinFolds[r])
		case isKana(r):
			j := i
			for j < len(rs) && (isKana(rs[j]) || rs[j] == 'ー') {
				j++
			}
			b.WriteByte(' ')
			b.WriteString(kanaToRomaji(rs[i:j]))
			b.WriteByte(' ')
			kana = true
			i = j - 1
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	if cyr {
		n.notes = append(n.notes, "Cyrillic transliterated to Latin")
	}
	if kana {
		n.notes = append(n.notes, "kana transliterated to romaji")
	}
	raw := strings.Fields(b.String())
	toks := raw[:0]
	for _, t := range raw {
		if full, ok := abbreviations[t]; ok {
			if !strings.HasPrefix(t, full[:min(len(full), len(t))]) || len(t) < len(full)-2 {
				n.notes = appendOnce(n.notes, "'"+t+"' read as '"+full+"'")
			}
			t = full
		}
		if stopwords[t] {
			continue
		}
		toks = append(toks, t)
	}
	toks, removed := stripLegalForms(toks)
	for _, r := range removed {
		n.notes = append(n.notes, "legal form '"+r+"' ignored")
	}
	n.tokens = toks
	n.text = strings.Join(toks, " ")
	return n
}

func appendOnce(l []string, s string) []string {
	for _, x := range l {
		if x == s {
			return l
		}
	}
	return append(l, s)
}

// stripLegalForms removes legal forms from both ends of toks while at least
// one token would remain, preferring the longest form at each step.
func stripLegalForms(toks []string) ([]string, []string) {
	var removed []string
	for changed := true; changed && len(toks) > 1; {
		changed = false
		best := 0
		for _, f := range legalForms {
			if len(f) > best && len(f) < len(toks) && hasSuffix(toks, f) {
				best = len(f)
			}
		}
		if best > 0 {
			removed = append(removed, strings.Join(toks[len(toks)-best:], " "))
			toks = toks[:len(toks)-best]
			changed = true
			continue
		}
		for _, f := range legalForms {
			if len(f) > best && len(f) < len(toks) && hasPrefix(toks, f) {
				best = len(f)
			}
		}
		if best > 0 {
			removed = append(removed, strings.Join(toks[:best], " "))
			toks = toks[best:]
			changed = true
		}
	}
	return toks, removed
}

func hasSuffix(toks, f []string) bool {
	off := len(toks) - len(f)
	for i, t := range f {
		if toks[off+i] != t {
			return false
		}
	}
	return true
}

func hasPrefix(toks, f []string) bool {
	for i, t := range f {
		if toks[i] != t {
			return false
		}
	}
	return true
}
