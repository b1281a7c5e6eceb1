package web

// xlingMessages are the interface strings of cross-lingual (Japanese ⇄
// English) search and matching, in English and Japanese.
var xlingMessages = map[string][2]string{
	"xling.monolingual": {"Only in the language of my query (no translation)", "検索語と同じ言語のみ(翻訳しない)"},
	"xling.translated":  {"Found through translation:", "翻訳で一致:"},
	"xling.across":      {"Matches in English and Japanese.", "英語と日本語の掲載からマッチングしています。"},
	"xling.show.same":   {"Only this listing's language", "この掲載と同じ言語のみ"},
	"xling.only.same":   {"Matches in this listing's language only.", "この掲載と同じ言語のマッチングのみ表示しています。"},
	"xling.show.all":    {"Match across languages", "言語を越えてマッチング"},
}
