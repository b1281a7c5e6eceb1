package kakehashi

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/language"
)

// FieldsOfScience maps the OECD Fields of Science and Technology (FOS 2007)
// codes that listings are classified by to their English names. A fixed
// vocabulary keeps facets and matching comparable across organizations.
var FieldsOfScience = map[string]string{
	"1.1": "Mathematics", "1.2": "Computer and information sciences", "1.3": "Physical sciences",
	"1.4": "Chemical sciences", "1.5": "Earth and related environmental sciences", "1.6": "Biological sciences",
	"1.7": "Other natural sciences",
	"2.1": "Civil engineering", "2.2": "Electrical engineering, electronic engineering, information engineering",
	"2.3": "Mechanical engineering", "2.4": "Chemical engineering", "2.5": "Materials engineering",
	"2.6": "Medical engineering", "2.7": "Environmental engineering", "2.8": "Environmental biotechnology",
	"2.9": "Industrial biotechnology", "2.10": "Nano-technology", "2.11": "Other engineering and technologies",
	"3.1": "Basic medicine", "3.2": "Clinical medicine", "3.3": "Health sciences", "3.4": "Medical biotechnology",
	"3.5": "Other medical sciences",
	"4.1": "Agriculture, forestry, and fisheries", "4.2": "Animal and dairy science", "4.3": "Veterinary science",
	"4.4": "Agricultural biotechnology", "4.5": "Other agricultural sciences",
	"5.1": "Psychology", "5.2": "Economics and business", "5.3": "Educational sciences", "5.4": "Sociology",
	"5.5": "Law", "5.6": "Political science", "5.7": "Social and economic geography",
	"5.8": "Media and communications", "5.9": "Other social sciences",
	"6.1": "History and archaeology", "6.2": "Languages and literature", "6.3": "Philosophy, ethics and religion",
	"6.4": "Arts", "6.5": "Other humanities",
}

// Sectors is the industry vocabulary shared by organizations and listings.
var Sectors = []string{
	"agriculture", "ai_data", "automotive", "biotech", "chemicals", "construction",
	"defense_security", "education", "electronics", "energy", "environment", "finance",
	"food", "healthcare", "ict", "logistics", "manufacturing", "marine", "materials",
	"medical_devices", "mobility", "pharma", "public_sector", "robotics", "semiconductors",
	"space", "telecom", "water",
}

// countryCodes are the 249 officially assigned ISO 3166-1 alpha-2 codes,
// plus XK (Kosovo), which screening lists and many registries use; sorted.
var countryCodes = []string{
	"AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
	"BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
	"BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
	"CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
	"EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
	"GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
	"HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
	"JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
	"LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
	"ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
	"NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
	"PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
	"SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
	"ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
	"TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
	"VN", "VU", "WF", "WS", "XK", "YE", "YT", "ZA", "ZM", "ZW",
}

// ValidCountry reports whether cc is an ISO 3166-1 alpha-2 country code in
// canonical upper case. "UK" is rejected: the code for the United Kingdom is GB.
func ValidCountry(cc string) bool {
	_, ok := slices.BinarySearch(countryCodes, cc)
	return ok
}

// countryHint adds the most common mistake's correction to a message.
func countryHint(values []string) string {
	if slices.Contains(values, "UK") {
		return " (the United Kingdom is GB)"
	}
	return ""
}

var regionPattern = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)

// ValidRegion reports whether region has the shape of an ISO 3166-2
// subdivision code (such as JP-13) belonging to country.
func ValidRegion(region, country string) bool {
	return regionPattern.MatchString(region) && strings.HasPrefix(region, country+"-")
}

// ValidLanguage reports whether lang is a two-letter ISO 639-1 code that
// Go's language tables know, such as "en" or "ja".
func ValidLanguage(lang string) bool {
	if len(lang) != 2 || strings.ToLower(lang) != lang {
		return false
	}
	b, err := language.ParseBase(lang)
	return err == nil && b.String() == lang
}

// validList checks each element of values against ok and records problems
// under field[i]; it also rejects duplicates and lists longer than max.
func validList(p *Problems, field string, values []string, max int, ok func(string) bool, want string) {
	if len(values) > max {
		p.Add(field, "at most %d values allowed, got %d", max, len(values))
		return
	}
	for i, v := range values {
		if strings.IndexByte(v, 0) >= 0 {
			p.Add(indexed(field, i), msgNUL)
			continue
		}
		if !ok(v) {
			p.Add(indexed(field, i), "%q is not %s", v, want)
			continue
		}
		if slices.Index(values, v) != i {
			p.Add(indexed(field, i), "%q is listed twice", v)
		}
	}
}

func indexed(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}

func isSector(s string) bool { return slices.Contains(Sectors, s) }

func isField(s string) bool { _, ok := FieldsOfScience[s]; return ok }

// oneOf reports whether v is one of the allowed values.
func oneOf[T ~string](v T, allowed []T) bool { return slices.Contains(allowed, v) }

// names lists the allowed values for an error message.
func names[T ~string](allowed []T) string {
	s := make([]string, len(allowed))
	for i, a := range allowed {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}
