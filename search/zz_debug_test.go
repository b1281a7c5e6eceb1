package search

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/lexicon"
	"github.com/kakehashi/kakehashi/textproc"
)

func TestZZDebug(t *testing.T) {
	if os.Getenv("XDBG") == "" {
		t.Skip()
	}
	lex, err := lexicon.LoadCached(lexicon.DefaultPath, os.Getenv("HOME")+"/.cache/kakehashi")
	if err != nil {
		t.Fatal(err)
	}
	an, _ := textproc.New()
	e := New(an, nil, Options{Lexicon: lex})
	f, _ := os.Open("../bench/testdata/scifact-ja/queries.jsonl")
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() && n < 25 {
		n++
		var q struct{ Text string }
		json.Unmarshal(sc.Bytes(), &q)
		wts := e.listingQuery(&kakehashi.Listing{Title: q.Text}, false)
		fmt.Println(q.Text)
		for _, w := range wts {
			fmt.Printf("  %s[%s←%s %.2f]", w.term, w.surface, w.from, w.weight)
		}
		fmt.Println()
	}
}
