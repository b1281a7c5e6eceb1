package auth

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 10

// MaxPasswordBytes bounds a password: argon2id hashes all of it.
const MaxPasswordBytes = 1024

// PasswordProblem says why a new password is refused; the empty value means
// it is accepted. Following NIST SP 800-63B, passwords are checked against
// common and predictable ones, never against composition rules.
type PasswordProblem string

// The reasons a password is refused.
const (
	PasswordTooShort   PasswordProblem = "too_short"
	PasswordTooLong    PasswordProblem = "too_long"
	PasswordCommon     PasswordProblem = "common"
	PasswordRepetitive PasswordProblem = "repetitive"
	PasswordSequence   PasswordProblem = "sequence"
	PasswordPersonal   PasswordProblem = "personal"
)

// Message says the problem in English, to follow the word "password" (the
// API's field errors, the command line). The pages translate the problem
// themselves.
func (p PasswordProblem) Message() string {
	switch p {
	case PasswordTooShort:
		return "must be at least 10 characters"
	case PasswordTooLong:
		return "must be at most 1024 bytes"
	case PasswordCommon:
		return "is too common: it is, or is built on, one of the most used passwords; choose a longer phrase of your own"
	case PasswordRepetitive:
		return "repeats the same characters or pattern; choose a longer phrase of your own"
	case PasswordSequence:
		return "is a predictable sequence (such as 1234567890, abcdef or qwerty); choose a longer phrase of your own"
	case PasswordPersonal:
		return "must not be built on your name, your e-mail address or the site's name"
	}
	return string(p)
}

// CheckPassword says what is wrong with a new password, or returns "". It
// refuses passwords that are too short or too long, that are in the list of
// common passwords, that repeat one short pattern, and those made only of
// predictable parts: keyboard and alphabet sequences, repeated characters,
// years, at most one common word, the product's name and the personal
// details given (the account's e-mail address and name), with at most two
// other characters. Case, full-width forms and common letter-for-digit
// substitutions (p@ssw0rd) do not hide a password.
func CheckPassword(pw string, personal ...string) PasswordProblem {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return PasswordTooShort
	case len(pw) > MaxPasswordBytes:
		return PasswordTooLong
	}
	return checkRunes([]rune(normalize(pw)), personalTokens(personal), commonPasswords())
}

// commonPasswordsFile is the list of common passwords (one per line, "#"
// starts a comment).
//
//go:embed common_passwords.txt
var commonPasswordsFile string

// passwordList is the parsed list of common passwords.
type passwordList struct {
	exact map[string]bool
	words [][]rune
}

// commonPasswords parses the embedded list once, on first use.
var commonPasswords = sync.OnceValue(func() *passwordList {
	l := &passwordList{exact: map[string]bool{}}
	for _, line := range strings.Split(commonPasswordsFile, "\n") {
		line = normalize(strings.TrimSpace(line))
		if line == "" || strings.HasPrefix(line, "#") || l.exact[line] {
			continue
		}
		l.exact[line] = true
		l.words = append(l.words, []rune(line))
	}
	return l
})

// normalize folds what does not make a password different: full-width and
// other compatibility forms, and case.
func normalize(s string) string { return strings.ToLower(norm.NFKC.String(s)) }

// productNames are the site's names, refused in passwords like personal
// details.
func productNames() []string {
	return []string{"kakehashi", "架け橋", "かけはし", "カケハシ"}
}

// personalTokens returns the words a password must not be built on: the
// product's names, each personal string whole and its parts (an e-mail
// address's local part and the labels of its domain, a name's words).
func personalTokens(personal []string) [][]rune {
	var out [][]rune
	add := func(s string) {
		r := []rune(s)
		ascii := true
		for _, c := range r {
			ascii = ascii && c < utf8.RuneSelf
		}
		if len(r) >= 3 || len(r) == 2 && !ascii {
			out = append(out, r)
		}
	}
	parts := func(s string) {
		for _, f := range strings.FieldsFunc(s, func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) }) {
			add(f)
		}
	}
	for _, p := range productNames() {
		add(normalize(p))
	}
	for _, p := range personal {
		p = strings.TrimSpace(normalize(p))
		add(p)
		local, domain, email := strings.Cut(p, "@")
		if !email {
			parts(p)
			continue
		}
		add(local)
		parts(local)
		labels := strings.Split(domain, ".")
		for _, l := range labels[:len(labels)-1] { // not the top-level domain
			add(l)
			parts(l)
		}
	}
	return out
}

// checkRunes checks a normalized password of any length.
func checkRunes(pw []rune, personal [][]rune, list *passwordList) PasswordProblem {
	distinct := map[rune]bool{}
	for _, c := range pw {
		distinct[c] = true
	}
	if len(distinct) <= 3 {
		return PasswordRepetitive
	}
	if p := period(pw); p > 0 {
		if p <= 5 {
			return PasswordRepetitive
		}
		if problem := checkRunes(pw[:p], personal, list); problem != "" {
			return problem
		}
	}
	// A sequence or a personal detail is the more helpful answer for a
	// password that is also on the list (1234567890, qwertyuiop).
	if problem := predictable(pw, personal, list.words); problem != "" {
		return problem
	}
	if s := string(pw); list.exact[s] || list.exact[strings.TrimSpace(s)] {
		return PasswordCommon
	}
	return ""
}

// period returns the shortest p of at most half of s's length such that s
// repeats its first p characters (abcabcab: 3), 0 if none.
func period(s []rune) int {
	for p := 1; p <= len(s)/2; p++ {
		i := p
		for i < len(s) && s[i] == s[i-p] {
			i++
		}
		if i == len(s) {
			return p
		}
	}
	return 0
}

// walks are sequences a password may follow forwards or backwards: the
// alphabet, digits, the rows and columns of a QWERTY keyboard (shifted too)
// and the kana in their dictionary order.
var walks = sync.OnceValue(func() [][]rune {
	var out [][]rune
	for _, w := range []string{
		"abcdefghijklmnopqrstuvwxyz", "01234567890",
		"`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
		"~!@#$%^&*()_+", "qwertyuiop{}|", "asdfghjkl:\"", "zxcvbnm<>?",
		"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]", "qazwsxedcrfvtgbyhnujmikolp", "!qaz@wsx#edc$rfv%tgb^yhn&ujm*ik<(ol>)p:?",
		"あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん",
		"アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン",
	} {
		out = append(out, []rune(w))
	}
	return out
})

// runLength returns the length of the longest run at the start of s: one
// character repeated, or consecutive characters of a walk in one direction.
func runLength(s []rune) int {
	if len(s) == 0 {
		return 0
	}
	best := 1
	for best < len(s) && s[best] == s[0] {
		best++
	}
	for _, w := range walks() {
		for k, c := range w {
			if c != s[0] {
				continue
			}
			for _, dir := range []int{1, -1} {
				n := 1
				for n < len(s) && k+dir*n >= 0 && k+dir*n < len(w) && w[k+dir*n] == s[n] {
					n++
				}
				best = max(best, n)
			}
		}
	}
	return best
}

// leet returns the letters a digit or symbol commonly stands for.
func leet(c rune) string {
	switch c {
	case '0':
		return "o"
	case '1', '!', '|':
		return "il"
	case '2':
		return "z"
	case '3', '€':
		return "e"
	case '4', '@':
		return "a"
	case '5', '$':
		return "s"
	case '6', '9':
		return "g"
	case '7', '+':
		return "t"
	case '8':
		return "b"
	}
	return ""
}

// matchAt reports whether s starts with word, letting a digit or symbol
// stand for the letter it looks like.
func matchAt(s, word []rune) bool {
	if len(word) > len(s) {
		return false
	}
	for i, c := range word {
		if s[i] != c && !strings.ContainsRune(leet(s[i]), c) {
			return false
		}
	}
	return true
}

// isYear reports whether s starts with a year from 1900 to 2099.
func isYear(s []rune) bool {
	if len(s) < 4 || !(s[0] == '1' && s[1] == '9' || s[0] == '2' && s[1] == '0') {
		return false
	}
	return unicode.IsDigit(s[2]) && unicode.IsDigit(s[3]) && s[2] < utf8.RuneSelf && s[3] < utf8.RuneSelf
}

// predictable covers pw with predictable parts, and says which kind made
// it guessable: it finds, by dynamic programming over the positions, whether
// pw splits into runs of three or more (runLength), years, personal tokens,
// at most one common word and at most two other characters.
func predictable(pw []rune, personal, words [][]rune) PasswordProblem {
	// reach[i] is the set of ways the first i characters can be covered, a
	// bit per coverState.
	reach := make([]states, len(pw)+1)
	reach[0] = coverState{}.bit()
	for i := range pw {
		if reach[i] == 0 {
			continue
		}
		rest := pw[i:]
		from := reach[i]
		for j, end := i+3, i+runLength(rest); j <= end; j++ {
			reach[j] |= from
		}
		if isYear(rest) {
			reach[i+4] |= from
		}
		for _, t := range personal {
			if matchAt(rest, t) {
				reach[i+len(t)] |= from.each(func(c coverState) (coverState, bool) { c.personal = true; return c, true })
			}
		}
		for _, w := range words {
			if len(w) >= 4 && matchAt(rest, w) {
				reach[i+len(w)] |= from.each(func(c coverState) (coverState, bool) { c.words++; return c, c.words <= 1 })
			}
		}
		reach[i+1] |= from.each(func(c coverState) (coverState, bool) { c.others++; return c, c.others <= 2 })
	}
	var problem PasswordProblem
	reach[len(pw)].each(func(c coverState) (coverState, bool) {
		switch {
		case c.personal:
			problem = PasswordPersonal
		case c.words == 0 && problem != PasswordPersonal:
			problem = PasswordSequence
		case problem == "":
			problem = PasswordCommon
		}
		return c, false
	})
	return problem
}

// coverState is how a prefix of a password was covered: common words used
// (0 or 1), other characters used (0 to 2), and whether a personal token
// was.
type coverState struct {
	words, others int
	personal      bool
}

// bit is the state's bit in a set of states.
func (c coverState) bit() states {
	i := c.words*6 + c.others*2
	if c.personal {
		i++
	}
	return 1 << i
}

// states is a set of coverStates, a bit each.
type states uint16

// each maps every state of the set through f and returns the set of the
// results f keeps.
func (s states) each(f func(coverState) (coverState, bool)) states {
	var out states
	for i := range 12 {
		if s&(1<<i) == 0 {
			continue
		}
		if c, ok := f(coverState{words: i / 6, others: i % 6 / 2, personal: i%2 == 1}); ok {
			out |= c.bit()
		}
	}
	return out
}
