package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/search"
)

// Searcher is the matching engine as the API uses it.
type Searcher interface {
	Search(ctx context.Context, q search.Query) (*search.Result, error)
	Match(ctx context.Context, id int64, viewer *kakehashi.User, opt search.MatchOptions) (*search.MatchResult, error)
	Ready(ctx context.Context) error
}

type searchInput struct {
	Q           string `query:"q" maxLength:"1000" doc:"Free text, English or Japanese; empty lists the newest listings"`
	Side        string `query:"side" enum:"seed,need"`
	Kind        string `query:"kind" enum:"technology,patent,dataset,facility,challenge,partner_search,procurement"`
	Country     string `query:"country" doc:"Owner's ISO 3166-1 alpha-2 country code"`
	Language    string `query:"language" doc:"ISO 639-1 code"`
	Field       string `query:"field" doc:"OECD Fields of Science codes, comma-separated (any of)"`
	Sector      string `query:"sector" doc:"Sectors, comma-separated (any of)"`
	TRLMin      int    `query:"trl_min" minimum:"0" maximum:"9"`
	TRLMax      int    `query:"trl_max" minimum:"0" maximum:"9"`
	Partnership string `query:"partnership" enum:"joint_research,license,commissioned_research,investment,supply,consortium"`
	Open        bool   `query:"open" doc:"Only open listings whose deadline has not passed"`
	Facets      bool   `query:"facets" doc:"Count matching listings by side, kind, country, language, TRL, partnership, field and sector"`
	Monolingual bool   `query:"monolingual" doc:"Search only in the query's own language: do not translate Japanese ⇄ English to find listings written in the other"`
	PageParams
}

// SearchPage is a page of search results.
type SearchPage struct {
	search.Result
	NextCursor string `json:"next_cursor,omitempty"`
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func encodeOffset(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o" + strconv.Itoa(n)))
}

// decodeOffset returns the offset a search cursor stands for, 0 for none;
// a cursor the API did not write, or past search.MaxOffset, is refused.
func decodeOffset(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && len(b) > 1 && b[0] == 'o' {
		if n, err := strconv.Atoi(string(b[1:])); err == nil && n >= 0 && n <= search.MaxOffset {
			return n, nil
		}
	}
	return 0, huma.Error400BadRequest("invalid cursor", &huma.ErrorDetail{Location: "query.cursor", Message: "not a cursor returned by this API", Value: c})
}

// searchProblems is queryProblems for a search query, whose offset is
// given as the cursor parameter.
func searchProblems(err error) error {
	if err == nil {
		return nil
	}
	var p kakehashi.Problems
	for _, fe := range kakehashi.FieldErrors(err) {
		if fe.Field == "offset" {
			fe.Field = "cursor"
		}
		p.Add(fe.Field, "%s", fe.Message)
	}
	return queryProblems(p.Err("search"))
}

func (s *Server) registerSearch(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "search", Method: http.MethodGet, Path: "/search", Tags: []string{"search"},
		Summary: "Search seeds and needs",
		Description: "Ranks the listings the caller may see by BM25F relevance in English and Japanese, with filters, facet counts and, for each hit, the matched terms and fields. " +
			"A query in one language also finds listings written in the other (its words are translated with the EDICT dictionary; each hit shows the translation used) unless monolingual is set.",
	}, func(ctx context.Context, in *searchInput) (*struct{ Body SearchPage }, error) {
		if s.search == nil {
			return nil, huma.Error503ServiceUnavailable("search is not available on this server")
		}
		offset, err := decodeOffset(in.Cursor)
		if err != nil {
			return nil, err
		}
		f := search.Filter{
			Side: kakehashi.Side(in.Side), Kind: kakehashi.ListingKind(in.Kind), Country: in.Country, Language: in.Language,
			Fields: splitList(in.Field), Sectors: splitList(in.Sector), TRLMin: in.TRLMin, TRLMax: in.TRLMax,
			Partnership: kakehashi.PartnershipType(in.Partnership), Open: in.Open, Monolingual: in.Monolingual,
		}
		q := search.Query{Text: in.Q, Filter: f, Viewer: kakehashi.UserFromContext(ctx),
			Offset: offset, Limit: in.Limit, Facets: in.Facets, Now: s.now()}
		if err := searchProblems(q.Validate()); err != nil {
			return nil, err
		}
		if err := s.search.Ready(ctx); err != nil {
			return nil, huma.Error503ServiceUnavailable(err.Error())
		}
		res, err := s.search.Search(ctx, q)
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		out := SearchPage{Result: *res}
		// The next page's cursor, unless it would start past the deepest
		// page, which the API refuses.
		if res.More && offset+in.Limit <= search.MaxOffset {
			out.NextCursor = encodeOffset(offset + in.Limit)
		}
		return &struct{ Body SearchPage }{Body: out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "match-listing", Method: http.MethodGet, Path: "/listings/{id}/matches", Tags: []string{"search"},
		Summary: "Best matches for a listing",
		Description: "For a need, the open seeds that could answer it; for a seed, the open needs it could answer; and the organizations behind the best of them. " +
			"Each hit explains the shared terms, the fields they occur in, and the structured fit (partnership type, TRL, country, deadline).",
	}, func(ctx context.Context, in *struct {
		ID          int64 `path:"id" minimum:"1"`
		Limit       int   `query:"limit" minimum:"1" maximum:"50" default:"10"`
		Monolingual bool  `query:"monolingual" doc:"Match only in the listing's own language: do not translate Japanese ⇄ English"`
	}) (*struct{ Body *search.MatchResult }, error) {
		if s.search == nil {
			return nil, huma.Error503ServiceUnavailable("search is not available on this server")
		}
		if err := s.search.Ready(ctx); err != nil {
			return nil, huma.Error503ServiceUnavailable(err.Error())
		}
		res, err := s.search.Match(ctx, in.ID, kakehashi.UserFromContext(ctx), search.MatchOptions{Limit: in.Limit, Now: s.now(),
			Filter: search.Filter{Monolingual: in.Monolingual}})
		if err != nil {
			return nil, s.apiError(ctx, err)
		}
		return &struct{ Body *search.MatchResult }{Body: res}, nil
	})
}
