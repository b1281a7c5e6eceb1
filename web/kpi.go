package web

import (
	"cmp"
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/app"
	"github.com/kakehashi/kakehashi/kpicsv"
)

// KPIStore is what the KPI dashboard and fact book pages read.
type KPIStore interface {
	kakehashi.KPIService
}

// chartData is what web/static/app.js draws on a <canvas data-chart>.
type chartData struct {
	Labels  []string      `json:"labels"`
	Series  []chartSeries `json:"series"`
	Stacked bool          `json:"stacked,omitempty"`
}

type chartSeries struct {
	Label string `json:"label"`
	Data  []int  `json:"data"`
}

// kpiChart is one chart of a page: its element id, title and JSON.
type kpiChart struct {
	ID    string
	Title string
	JSON  template.JS
}

func newChart(id, title string, c chartData) kpiChart {
	b, _ := json.Marshal(c)
	return kpiChart{ID: id, Title: title, JSON: template.JS(b)}
}

// countsChart charts one breakdown per series, on the union of their keys
// in the order they first appear (largest first), at most 12 bars.
func countsChart(lang string, name func(lang, key string) string, labels []string, series ...[]kakehashi.KPICount) chartData {
	var keys []string
	seen := map[string]bool{}
	for _, s := range series {
		for _, c := range s {
			if !seen[c.Key] && len(keys) < 12 {
				seen[c.Key] = true
				keys = append(keys, c.Key)
			}
		}
	}
	d := chartData{Labels: []string{}}
	for _, k := range keys {
		d.Labels = append(d.Labels, name(lang, k))
	}
	for i, s := range series {
		by := map[string]int{}
		for _, c := range s {
			by[c.Key] = c.Count
		}
		cs := chartSeries{Label: labels[i], Data: []int{}}
		for _, k := range keys {
			cs.Data = append(cs.Data, by[k])
		}
		d.Series = append(d.Series, cs)
	}
	return d
}

type kpiData struct {
	Q      app.KPIQuery
	R      *kakehashi.KPIReport
	From   string
	To     string
	AsOf   string
	CSV    string
	Charts []kpiChart
	Kinds  []kakehashi.OrgKind
	Fields []fieldOption
}

// fieldOption is a field of science in the dashboard's filter.
type fieldOption struct{ Code, Name string }

// fieldOptions lists the fields of science by code.
func fieldOptions() []fieldOption {
	out := make([]fieldOption, 0, len(kakehashi.FieldsOfScience))
	for c, n := range kakehashi.FieldsOfScience {
		out = append(out, fieldOption{c, n})
	}
	slices.SortFunc(out, func(a, b fieldOption) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// fieldLabel labels a chart's field of science by its code and name.
func fieldLabel(_, code string) string { return fieldName(code) }

func (h *Handler) kpiReport(w http.ResponseWriter, r *http.Request) (app.KPIQuery, *kakehashi.KPIReport) {
	if h.requireStaff(w, r) == nil {
		return app.KPIQuery{}, nil
	}
	v := r.URL.Query()
	q := app.KPIQuery{From: v.Get("from"), To: v.Get("to"), Country: v.Get("country"), Kind: v.Get("kind"), Region: v.Get("region"), Field: v.Get("field")}
	f, err := q.Filter(h.now(), h.stallAfter)
	if err != nil {
		// A bad filter is the visitor's to fix: say which parameter.
		lang := langOf(r)
		msg := h.text.translate(lang, "kpi.badfilter")
		for _, fe := range kakehashi.FieldErrors(err) {
			msg += " " + fe.Field + ": " + fe.Message + "."
		}
		h.render(w, r, http.StatusUnprocessableEntity, "error", h.view(r, h.text.translate(lang, "kpi.title"), msg))
		return q, nil
	}
	rep, err := h.store.KPIs(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return q, nil
	}
	return q, rep
}

func (h *Handler) kpis(w http.ResponseWriter, r *http.Request) {
	q, rep := h.kpiReport(w, r)
	if rep == nil {
		return
	}
	lang := langOf(r)
	t := func(k string) string { return h.text.translate(lang, k) }
	figures := []string{t("kpi.listings"), t("kpi.interests"), t("kpi.introductions"), t("kpi.agreements")}
	m := []kakehashi.KPIMetric{rep.Listings, rep.Interests, rep.Introductions, rep.Agreements}
	d := kpiData{Q: q, R: rep, Kinds: kakehashi.OrgKinds, CSV: "/kpis.csv?" + r.URL.RawQuery, Fields: fieldOptions(),
		From: rep.From.Format(kakehashi.KPIMonthLayout), To: rep.To.AddDate(0, -1, 0).Format(kakehashi.KPIMonthLayout)}
	if !rep.AsOf.IsZero() {
		d.AsOf = rep.AsOf.UTC().Format("2006-01-02 15:04 UTC")
	}
	d.Charts = append(d.Charts, newChart("kpi-funnel", t("kpi.funnel"), countsChart(lang, h.text.label, []string{t("kpi.count")}, rep.Funnel)))
	for _, b := range []struct {
		id, title string
		name      func(string, string) string
		get       func(kakehashi.KPIMetric) []kakehashi.KPICount
	}{
		{"kpi-country", t("kpi.bycountry"), h.text.countryName, func(m kakehashi.KPIMetric) []kakehashi.KPICount { return m.ByCountry }},
		{"kpi-kind", t("kpi.bykind"), h.text.label, func(m kakehashi.KPIMetric) []kakehashi.KPICount { return m.ByOrgKind }},
		{"kpi-field", t("kpi.byfield"), fieldLabel, func(m kakehashi.KPIMetric) []kakehashi.KPICount { return m.ByField }},
		{"kpi-sector", t("kpi.bysector"), h.text.label, func(m kakehashi.KPIMetric) []kakehashi.KPICount { return m.BySector }},
		{"kpi-partnership", t("kpi.bypartnership"), h.text.label, func(m kakehashi.KPIMetric) []kakehashi.KPICount { return m.ByPartnership }},
	} {
		d.Charts = append(d.Charts, newChart(b.id, b.title, countsChart(lang, b.name, figures, b.get(m[0]), b.get(m[1]), b.get(m[2]), b.get(m[3]))))
	}
	d.Charts = append(d.Charts, newChart("kpi-reasons", t("kpi.reasons"), countsChart(lang, h.text.label, []string{t("kpi.count")}, rep.DeclineReasons)))
	h.render(w, r, http.StatusOK, "kpi", h.view(r, t("kpi.title"), d))
}

func (h *Handler) kpisCSV(w http.ResponseWriter, r *http.Request) {
	_, rep := h.kpiReport(w, r)
	if rep == nil {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="kakehashi-kpis.csv"`)
	if err := kpicsv.Write(w, rep); err != nil {
		h.log.Error("write kpi csv", "err", err)
	}
}

type factBookData struct {
	O      *kakehashi.Organization
	F      *kakehashi.FactBook
	Values []string
	Charts []kpiChart
}

func (h *Handler) factBook(w http.ResponseWriter, r *http.Request) {
	id, err := h.pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ctx := r.Context()
	o, err := h.store.Organization(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	fb, err := h.store.FactBook(ctx, id, kakehashi.UserFromContext(ctx))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lang := langOf(r)
	t := func(k string) string { return h.text.translate(lang, k) }
	same := func(_, k string) string { return k }
	d := factBookData{O: o, F: fb}
	d.Charts = append(d.Charts, newChart("fb-months", t("kpi.fb.permonth"), countsChart(lang, same, []string{t("kpi.listings")}, fb.ListingsPerMonth)))
	for _, v := range fb.AgreementValues {
		d.Values = append(d.Values, minorUnits(v.Value, v.Currency)+" "+v.Currency)
	}
	if fb.Pipeline {
		d.Charts = append(d.Charts,
			newChart("fb-stages", t("kpi.fb.stages"), countsChart(lang, h.text.label, []string{t("kpi.count")}, fb.IntroductionsByStage)),
			newChart("fb-types", t("kpi.fb.types"), countsChart(lang, h.text.label, []string{t("kpi.count")}, fb.AgreementsByType)),
			newChart("fb-partners", t("kpi.fb.partners"), countsChart(lang, h.text.countryName, []string{t("kpi.count")}, fb.PartnersByCountry)))
	}
	h.render(w, r, http.StatusOK, "factbook", h.view(r, o.Name+" — "+t("kpi.fb.title"), d))
}

// minorUnits formats a value in minor units of a currency.
func minorUnits(v int64, currency string) string {
	switch currency {
	case "JPY", "KRW", "VND":
		return strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v/100, 10) + "." + strconv.FormatInt(100+v%100, 10)[1:]
}
