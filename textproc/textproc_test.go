package textproc

import (
	"slices"
	"strings"
	"testing"
)

func newAnalyzer(t testing.TB) *Analyzer {
	t.Helper()
	a, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestEnglish(t *testing.T) {
	a := newAnalyzer(t)
	got := a.Terms("The Batteries are charging quickly, with 12 mS/cm at 25°C!")
	want := []string{"batteri", "charg", "quick", "12", "ms", "cm", "25", "c"}
	if !slices.Equal(got, want) {
		t.Fatalf("terms %q, want %q", got, want)
	}
}

func TestWidthFoldingAndCase(t *testing.T) {
	a := newAnalyzer(t)
	// Full-width Latin and half-width katakana fold to their usual forms.
	if got := a.Terms("ＢＡＴＴＥＲＹ ｾﾝｻｰ"); !slices.Equal(got, []string{"batteri", "センサー"}) {
		t.Fatalf("terms %q", got)
	}
}

func TestJapaneseContentWords(t *testing.T) {
	a := newAnalyzer(t)
	toks := a.Analyze("全固体電池の開発を行っています。")
	var terms []string
	for _, tk := range toks {
		terms = append(terms, tk.Term)
	}
	// Particles (の, を), auxiliaries (ます), the prefix 全 and the light verbs
	// 行う/いる are dropped; the compound is split so that 電池 alone matches.
	if !slices.Equal(terms, []string{"固体", "電池", "全固体電池", "開発"}) {
		t.Fatalf("terms %q", terms)
	}
	if toks[1].Surface != "電池" || toks[1].Script != ScriptJapanese || toks[1].Pos != 1 {
		t.Fatalf("token %+v", toks[1])
	}
	// Verbs and adjectives come in their base form.
	if got := a.Terms("劣化を抑えた高く安全な電極"); !slices.Contains(got, "抑える") || !slices.Contains(got, "高い") {
		t.Fatalf("terms %q: want base forms 抑える and 高い", got)
	}
}

func TestMixedScripts(t *testing.T) {
	a := newAnalyzer(t)
	text := "NMC811正極とsulfide electrolytesを用いたEV用バッテリー"
	toks := a.Analyze(text)
	var terms []string
	for i, tk := range toks {
		terms = append(terms, tk.Term)
		if i > 0 && tk.Pos < toks[i-1].Pos-1 {
			t.Fatalf("positions go backwards: %+v", toks)
		}
		norm := Normalize(text)
		if strings.ToLower(text[tk.Start:tk.End]) != strings.ToLower(tk.Surface) && norm[tk.Start:tk.End] != strings.ToLower(tk.Surface) {
			t.Fatalf("offsets of %+v do not point at its surface", tk)
		}
	}
	want := []string{"nmc811", "極", "正極", "sulfid", "electrolyt", "用いる", "ev", "用", "バッテリー", "用バッテリー"}
	if !slices.Equal(terms, want) {
		t.Fatalf("terms %q, want %q", terms, want)
	}
}

func TestScriptRuns(t *testing.T) {
	var runs []string
	text := "AI画像認識 (deep learning) で検査"
	forEachRun(text, func(s, e int, sc Script) { runs = append(runs, sc.String()+":"+text[s:e]) })
	want := []string{"latin:AI", "japanese:画像認識", "latin:deep", "latin:learning", "japanese:で検査"}
	if !slices.Equal(runs, want) {
		t.Fatalf("runs %q, want %q", runs, want)
	}
}

func FuzzAnalyze(f *testing.F) {
	a := newAnalyzer(f)
	for _, s := range []string{"全固体電池の開発", "Ｆｕｌｌ-width ﾃｽﾄ", "mixed日本語and English", "\xff\xfe", "ー々〆"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tk := range a.Analyze(s) {
			if tk.Term == "" || tk.Start < 0 || tk.End < tk.Start {
				t.Fatalf("bad token %+v from %q", tk, s)
			}
		}
	})
}
