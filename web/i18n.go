package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kakehashi/kakehashi"
)

// Languages of the interface. Listing content is shown as written.
const (
	langEN = "en"
	langJA = "ja"
)

// langCookie remembers the visitor's choice of interface language.
const langCookie = "kakehashi_lang"

// langOf picks the interface language: the remembered choice, else the
// browser's preference between English and Japanese.
func langOf(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == langEN || c.Value == langJA) {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "ja"):
			return langJA
		case strings.HasPrefix(tag, "en"):
			return langEN
		}
	}
	return langEN
}

// catalogFiles are the interface text, one flat JSON object per language
// (key → text, keys sorted), so that translators edit text, not Go. A test
// checks that both files have the same keys, that no text is empty and that
// each key's fmt verbs agree between the languages.
//
//go:embed i18n/en.json i18n/ja.json
var catalogFiles embed.FS

// catalog is the interface text in English and Japanese, read once by New
// and kept on the Handler; nothing changes it afterwards.
type catalog struct {
	en, ja map[string]string
}

// loadCatalog reads the embedded catalogue files.
func loadCatalog() (*catalog, error) {
	read := func(lang string) (map[string]string, error) {
		b, err := catalogFiles.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			return nil, fmt.Errorf("read the %s catalogue: %w", lang, err)
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("parse the %s catalogue: %w", lang, err)
		}
		return m, nil
	}
	en, err := read(langEN)
	if err != nil {
		return nil, err
	}
	ja, err := read(langJA)
	if err != nil {
		return nil, err
	}
	return &catalog{en: en, ja: ja}, nil
}

// lookup finds a message: its English and Japanese text.
func (c *catalog) lookup(key string) ([2]string, bool) {
	en, ok := c.en[key]
	if !ok {
		return [2]string{}, false
	}
	return [2]string{en, c.ja[key]}, true
}

// translate says a message key in lang; fmt arguments fill its verbs. An
// unknown key is shown as itself.
func (c *catalog) translate(lang, key string, args ...any) string {
	m, ok := c.lookup(key)
	if !ok {
		return key
	}
	s := m[0]
	if lang == langJA {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// label names an enumeration value (the catalogue's "enum." keys); unknown
// values are shown as they are.
func (c *catalog) label(lang, v string) string {
	if _, ok := c.lookup("enum." + v); ok {
		return c.translate(lang, "enum."+v)
	}
	return v
}

// countryName names the countries listings usually come from (the
// catalogue's "country." keys); other codes are shown as codes.
func (c *catalog) countryName(lang, cc string) string {
	if _, ok := c.lookup("country." + cc); ok {
		return c.translate(lang, "country."+cc)
	}
	return cc
}

// fieldName names an OECD field of science; Japanese uses the English name
// after the code, as Japanese funders commonly do.
func fieldName(code string) string {
	if n, ok := kakehashi.FieldsOfScience[code]; ok {
		return code + " " + n
	}
	return code
}

// formatDate writes a date the way each language does.
func formatDate(lang string, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if lang == langJA {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
	}
	return t.Format("2 Jan 2006")
}

// formatNumber groups thousands (both languages use commas).
func formatNumber(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + formatNumber(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
