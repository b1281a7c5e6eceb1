package screening

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kakehashi/kakehashi"
)

// ParseCSL reads the official US Consolidated Screening List CSV as published
// by trade.gov (not gzipped; callers gunzip). Columns are found by header
// name, so reordered or added columns do not break it. Multi-valued columns
// (alt_names, programs, addresses, nationalities, citizenships) are split on ";".
func ParseCSL(r io.Reader) ([]kakehashi.ScreeningEntry, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("screening: CSL header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	for _, need := range []string{"_id", "source", "name"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("screening: CSL header lacks column %q", need)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []kakehashi.ScreeningEntry
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("screening: CSL: %w", err)
		}
		line, _ := cr.FieldPos(0)
		e := kakehashi.ScreeningEntry{
			ID:        get(rec, "_id"),
			Source:    get(rec, "source"),
			Type:      get(rec, "type"),
			Name:      get(rec, "name"),
			Aliases:   splitList(get(rec, "alt_names")),
			Programs:  splitList(get(rec, "programs")),
			Addresses: splitList(get(rec, "addresses")),
		}
		if e.ID == "" || e.Name == "" {
			return nil, fmt.Errorf("screening: CSL line %d: empty _id or name", line)
		}
		e.Country = cslCountry(e.Addresses, splitList(get(rec, "nationalities")), splitList(get(rec, "citizenships")))
		out = append(out, e)
	}
	return out, nil
}

// genericColumns is the header of the generic list format.
var genericColumns = [...]string{"id", "name", "aliases", "country", "source", "programs"}

// ParseCSV reads the generic list format: a header naming the columns
// id,name,aliases,country,source,programs (in any order), aliases and
// programs separated by ";", country an ISO 3166-1 alpha-2 code or empty.
// A row without id or name, or with a malformed country, is an error naming
// its line.
func ParseCSV(r io.Reader) ([]kakehashi.ScreeningEntry, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("screening: CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimPrefix(strings.TrimSpace(h), "\ufeff"))] = i
	}
	for _, need := range genericColumns {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("screening: CSV header lacks column %q (want %s)", need, strings.Join(genericColumns[:], ","))
		}
	}
	var out []kakehashi.ScreeningEntry
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("screening: CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string { return strings.TrimSpace(rec[col[name]]) }
		e := kakehashi.ScreeningEntry{
			ID:       get("id"),
			Name:     get("name"),
			Aliases:  splitList(get("aliases")),
			Country:  strings.ToUpper(get("country")),
			Source:   get("source"),
			Programs: splitList(get("programs")),
		}
		switch {
		case e.ID == "":
			return nil, fmt.Errorf("screening: CSV line %d: empty id", line)
		case e.Name == "":
			return nil, fmt.Errorf("screening: CSV line %d: empty name", line)
		case e.Country != "" && !isAlpha2(e.Country):
			return nil, fmt.Errorf("screening: CSV line %d: country %q is not an ISO 3166-1 alpha-2 code", line, e.Country)
		}
		out = append(out, e)
	}
	return out, nil
}

// splitList splits a ";"-separated field, dropping empty parts.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func isAlpha2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// countryNames maps the country spellings that appear at the end of CSL
// addresses instead of a code.
var countryNames = map[string]string{
	"china": "CN", "hong kong": "HK", "turkiye": "TR", "laos": "LA", "macau": "MO",
	"uae": "AE", "crimea (occupied)": "UA", "region: west bank": "PS", "region: kafia kingi": "SD",
}

// addressCountry returns the country code at the end of a CSL address
// ("…, Yerevan, Armenia, AM"), or "".
func addressCountry(addr string) string {
	i := strings.LastIndexByte(addr, ',')
	last := strings.TrimSpace(addr[i+1:])
	if isAlpha2(last) {
		return last
	}
	return countryNames[strings.ToLower(last)]
}

// cslCountry picks one country for an entry: the nationality or citizenship
// if given, else the country most of its addresses are in (the first on a tie).
func cslCountry(addrs, nats, cits []string) string {
	for _, l := range [][]string{nats, cits} {
		for _, c := range l {
			if c = strings.ToUpper(strings.TrimSpace(c)); isAlpha2(c) {
				return c
			}
		}
	}
	best, bestN := "", 0
	n := map[string]int{}
	for _, a := range addrs {
		c := addressCountry(a)
		if c == "" {
			continue
		}
		n[c]++
		if n[c] > bestN {
			best, bestN = c, n[c]
		}
	}
	return best
}
