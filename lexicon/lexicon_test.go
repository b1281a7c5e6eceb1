package lexicon

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func loadFixture(t *testing.T) *Lexicon {
	t.Helper()
	// testdata/mini.edict is EUC-JP, as Debian installs the real file.
	l, err := Load("testdata/mini.edict")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func texts(ts []Translation) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Text)
	}
	return out
}

func weightOf(ts []Translation, text string) float64 {
	for _, t := range ts {
		if t.Text == text {
			return t.Weight
		}
	}
	return 0
}

func TestReadEUCJP(t *testing.T) {
	l := loadFixture(t)
	if st := l.Stats(); st.Entries != 8 {
		t.Errorf("entries = %d, want 8 (header and broken line skipped)", st.Entries)
	}
	for word, ts := range map[string][]Translation{"電池": l.JaEn("電池"), "発現": l.JaEn("発現"), "がん": l.JaEn("がん"), "battery": l.EnJa("battery")} {
		var sum float64
		for _, x := range ts {
			sum += x.Weight
		}
		if len(ts) == 0 || math.Abs(sum-1) > 1e-9 {
			t.Errorf("%s: %v: weights sum to %v, want 1", word, ts, sum)
		}
	}
	if got := texts(l.JaEn("電池")); !slices.Equal(got, []string{"battery", "cell"}) {
		t.Errorf("電池 → %v, want battery then cell", got)
	}
	// Later senses count less; the remark in parentheses is dropped.
	hatsu := l.JaEn("発現")
	if hatsu[0].Text != "revelation" || weightOf(hatsu, "expression") == 0 || weightOf(hatsu, "expression") >= hatsu[0].Weight {
		t.Errorf("発現 → %v, want revelation first and expression (second sense) lower", hatsu)
	}
	// A kana word: the common entry usually written in kana (癌, read がん)
	// outweighs the rare onomatopoeia spelled がん.
	gan := l.JaEn("がん")
	if gan[0].Text != "cancer" || weightOf(gan, "with a thump") >= gan[0].Weight {
		t.Errorf("がん → %v, want cancer first", gan)
	}
	if got := texts(l.JaEn("増す")); !slices.Contains(got, "increase") {
		t.Errorf("増す → %v, want increase (the verb's \"to\" dropped)", got)
	}
	if got := texts(l.EnJa("battery")); !slices.Equal(got, []string{"電池"}) {
		t.Errorf("battery → %v, want 電池", got)
	}
	// cells: the singular is tried; 細胞's first gloss is cell, 電池's second.
	cells := l.EnJa("cells")
	if len(cells) != 2 || cells[0].Text != "細胞" || cells[1].Text != "電池" {
		t.Errorf("cells → %v, want 細胞 then 電池", cells)
	}
	if l.JaEn("未知語") != nil || l.EnJa("unknown") != nil {
		t.Error("unknown words must have no translation")
	}
	var nilLex *Lexicon
	if nilLex.JaEn("電池") != nil || nilLex.EnJa("battery") != nil {
		t.Error("a nil lexicon translates nothing")
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load("testdata/absent.edict"); err == nil || !os.IsNotExist(err) {
		t.Errorf("absent file: err = %v, want not-exist", err)
	}
	if _, err := Read(strings.NewReader("not a dictionary\n")); err == nil || !strings.Contains(err.Error(), "no EDICT entries") {
		t.Errorf("no entries: err = %v", err)
	}
}

func TestParseLine(t *testing.T) {
	e, err := ParseLine("〆切 [しめきり] /(n) (1) deadline/closing/(n) (2) cofferdam/(adj-no,n) (3) closed (door, window, etc.)/(P)/")
	if err != nil {
		t.Fatal(err)
	}
	if e.Headword != "〆切" || e.Reading != "しめきり" || !e.Common || e.UsuallyKana {
		t.Errorf("entry = %+v", e)
	}
	want := [][]string{{"deadline", "closing"}, {"cofferdam"}, {"closed"}}
	if len(e.Senses) != len(want) {
		t.Fatalf("senses = %q, want %q", e.Senses, want)
	}
	for i := range want {
		if !slices.Equal(e.Senses[i], want[i]) {
			t.Errorf("sense %d = %q, want %q", i+1, e.Senses[i], want[i])
		}
	}
	e, err = ParseLine("タンパク /(n) (1) (uk) (abbr) protein/(n) (2) egg white/albumen/")
	if err != nil || e.Reading != "" || !e.UsuallyKana || e.Common || len(e.Senses) != 2 || e.Senses[1][0] != "egg white" {
		t.Errorf("タンパク: %+v, %v", e, err)
	}
	// Explanations too long to be a term are dropped.
	e, err = ParseLine("々 [のま] /(unc) kanji repetition mark/a mark that repeats the previous kanji in a word/")
	if err != nil || len(e.Senses) != 1 || !slices.Equal(e.Senses[0], []string{"kanji repetition mark"}) {
		t.Errorf("々: %+v, %v", e, err)
	}
	for _, bad := range []string{"", "電池", "電池 [でんち /battery/", "電池 /battery", " /battery/", "電池 /(P)/", "電池 [でんち] /(n) /"} {
		if _, err := ParseLine(bad); err == nil {
			t.Errorf("ParseLine(%q) succeeded", bad)
		}
	}
}

func TestSpellings(t *testing.T) {
	for kata, want := range map[string]string{"バッテリー": "battery", "センサー": "sensor", "ロボット": "robot", "プロテイン": "protein", "ドーパミン": "dopamin"} {
		got := Spellings(kata, 10)
		if !slices.Contains(got, want) {
			t.Errorf("Spellings(%s) = %v, want %s among the first 10", kata, got, want)
		}
	}
	if got := Spellings("バッテリー", 3); len(got) != 3 || got[0] != "battery" {
		t.Errorf("Spellings(バッテリー, 3) = %v, want battery first", got)
	}
	for _, notKata := range []string{"電池", "battery", "", "ーア"} {
		if got := Spellings(notKata, 5); got != nil {
			t.Errorf("Spellings(%q) = %v, want nil", notKata, got)
		}
	}
	if !IsKatakana("センサー") || IsKatakana("センサ電池") || IsKatakana("") {
		t.Error("IsKatakana")
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"電池 [でんち] /(n) battery/cell/(P)/",
		"〆切 [しめきり] /(n) (1) deadline/closing/(n) (2) cofferdam/(adj-no,n) (3) closed (door, window, etc.)/",
		"タンパク /(n) (1) (uk) (abbr) protein/(n) (2) egg white/",
		"x [ /(/", "a ]b[ /)(/", "　？？？ /EDICT/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e, err := ParseLine(line)
		if err != nil {
			return
		}
		if e.Headword == "" || strings.ContainsAny(e.Headword, " /") {
			t.Fatalf("headword %q", e.Headword)
		}
		if len(e.Senses) == 0 {
			t.Fatal("an entry without senses")
		}
		for _, s := range e.Senses {
			for _, g := range s {
				if g == "" || strings.Contains(g, "/") || strings.Count(g, " ")+1 > maxGlossWords {
					t.Fatalf("gloss %q", g)
				}
			}
		}
		l := New(e)
		for _, ts := range [][]Translation{l.JaEn(e.Headword)} {
			var sum float64
			for _, x := range ts {
				sum += x.Weight
			}
			if len(ts) > 0 && math.Abs(sum-1) > 1e-9 {
				t.Fatalf("weights sum to %v", sum)
			}
		}
	})
}

// BenchmarkLoad reads the installed EDICT (Debian's edict package).
func BenchmarkLoad(b *testing.B) {
	if _, err := os.Stat(DefaultPath); err != nil {
		b.Skip("edict not installed")
	}
	for b.Loop() {
		if _, err := Load(DefaultPath); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLoadCached(t *testing.T) {
	dir := t.TempDir()
	want := loadFixture(t)
	for i := range 2 { // the first parses and writes the cache, the second reads it
		got, err := LoadCached("testdata/mini.edict", dir)
		if err != nil {
			t.Fatal(err)
		}
		if got.Stats() != want.Stats() {
			t.Fatalf("load %d: stats %+v, want %+v", i, got.Stats(), want.Stats())
		}
		for _, w := range []string{"電池", "がん", "発現", "増す"} {
			if !slices.Equal(got.JaEn(w), want.JaEn(w)) {
				t.Errorf("load %d: %s → %v, want %v", i, w, got.JaEn(w), want.JaEn(w))
			}
		}
		if !slices.Equal(got.EnJa("cell"), want.EnJa("cell")) {
			t.Errorf("load %d: cell → %v, want %v", i, got.EnJa("cell"), want.EnJa("cell"))
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "edict-*.table"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want one", files)
	}
	// A damaged cache is ignored and rewritten.
	if err := os.WriteFile(files[0], []byte(cacheMagic+"\xff\xff"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCached("testdata/mini.edict", dir)
	if err != nil || !slices.Equal(got.JaEn("電池"), want.JaEn("電池")) {
		t.Fatalf("after a damaged cache: %v, %v", got, err)
	}
	if _, err := readTable(bufio.NewReader(strings.NewReader("junk"))); err == nil {
		t.Error("junk read as a table")
	}
	if _, err := LoadCached("testdata/absent.edict", dir); err == nil {
		t.Error("absent dictionary loaded")
	}
}

func BenchmarkLoadCached(b *testing.B) {
	if _, err := os.Stat(DefaultPath); err != nil {
		b.Skip("edict not installed")
	}
	dir := b.TempDir()
	if _, err := LoadCached(DefaultPath, dir); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := LoadCached(DefaultPath, dir); err != nil {
			b.Fatal(err)
		}
	}
}
