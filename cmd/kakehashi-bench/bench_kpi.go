package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kakehashi/kakehashi"
	"github.com/kakehashi/kakehashi/bench"
	"github.com/kakehashi/kakehashi/internal/cli"
	"github.com/kakehashi/kakehashi/sqlstore"
)

// KPIQueryReport is the latency of one dashboard query.
type KPIQueryReport struct {
	Name  string  `json:"name"`
	Runs  int     `json:"runs"`
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	Maxms float64 `json:"max_ms"`
}

// KPIBenchReport is the output of kakehashi-bench kpi.
type KPIBenchReport struct {
	Machine       bench.Machine `json:"machine"`
	Date          string        `json:"date"`
	Dialect       string        `json:"dialect"`
	Seed          uint64        `json:"seed"`
	Organizations int           `json:"organizations"`
	Listings      int           `json:"listings"`
	Introductions int           `json:"introductions"`
	StageEvents   int           `json:"stage_events"`
	GenerateSec   float64       `json:"generate_s"`
	AnalyzeSec    float64       `json:"analyze_s"`
	// RefreshSec is the first (full) build of the rollups, RollupRows the
	// rows it wrote, and RefreshMonthSec a refresh after one write.
	RefreshSec      float64           `json:"refresh_s"`
	RefreshMonths   int               `json:"refresh_months"`
	RollupRows      int64             `json:"rollup_rows"`
	RefreshMonthSec float64           `json:"refresh_one_month_s"`
	Queries         []*KPIQueryReport `json:"queries"`
}

var benchCountries = []string{"JP", "US", "DE", "GB", "FR", "KR", "CN", "TW", "SG", "IN", "CA", "AU", "NL", "SE", "CH", "IT"}

var benchOrgKinds = []kakehashi.OrgKind{kakehashi.OrgCompany, kakehashi.OrgSME, kakehashi.OrgStartup, kakehashi.OrgUniversity,
	kakehashi.OrgResearchInstitute, kakehashi.OrgTLO, kakehashi.OrgGovernment, kakehashi.OrgFunder, kakehashi.OrgSupportAgency}

var benchPartnerships = []kakehashi.PartnershipType{kakehashi.PartnerJointResearch, kakehashi.PartnerLicense,
	kakehashi.PartnerCommissionedResearch, kakehashi.PartnerInvestment, kakehashi.PartnerSupply, kakehashi.PartnerConsortium}

var benchReasons = []kakehashi.Reason{kakehashi.ReasonTooEarly, kakehashi.ReasonBenefitUnclear, kakehashi.ReasonCommercialRoute,
	kakehashi.ReasonNotAFit, kakehashi.ReasonNoCapacity, kakehashi.ReasonOther}

// benchKPI generates a large pipeline in a fresh database and measures the
// KPI dashboard and fact book queries on it.
func (e *Env) benchKPI(ctx context.Context, args []string) error {
	fs := e.Flags("kakehashi-bench kpi")
	nListings := fs.Int("listings", 1_000_000, "listings to generate")
	nIntros := fs.Int("introductions", 100_000, "introductions to generate")
	nOrgs := fs.Int("orgs", 2000, "organizations to generate")
	dsn := fs.String("db", "", "fresh database: a SQLite file that does not exist yet or an empty postgres:// database (default a temporary SQLite file)")
	runs := fs.Int("runs", 50, "times each query runs")
	reuse := fs.Bool("reuse", false, "time the queries on a database an earlier run generated (--db), without generating; the refresh then only recomputes what is dirty")
	seed := fs.Uint64("seed", 1, "generator seed")
	asJSON := fs.Bool("json", false, "print the report as one JSON document")
	if err := e.Parse(fs, args); err != nil {
		return err
	}
	if *nListings < 1 || *nIntros < 0 || *nOrgs < 2 || *runs < 1 {
		return cli.Usage("--listings and --runs must be positive, --orgs at least 2")
	}
	path := *dsn
	isPG := strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://")
	if path == "" {
		dir, err := os.MkdirTemp("", "kakehashi-bench-kpi-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "kpi.db")
	} else if !isPG && !*reuse {
		if _, err := os.Stat(path); err == nil {
			return cli.Usagef("%s exists; bench kpi needs a fresh database", path)
		}
	}
	db, err := sqlstore.Open(ctx, path, sqlstore.Options{MaxOpenConns: 4})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	var existing int
	if err := db.SQL().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM organizations) + (SELECT COUNT(*) FROM listings)`).Scan(&existing); err != nil {
		return err
	}
	if existing > 0 && !*reuse {
		return cli.Usage("the database is not empty; bench kpi needs a fresh database (or --reuse)")
	}
	if existing == 0 && *reuse {
		return cli.Usage("--reuse needs a database an earlier bench kpi generated")
	}

	now := time.Now().UTC().Truncate(time.Second)
	rep := KPIBenchReport{Machine: bench.ThisMachine(), Date: now.Format(time.RFC3339), Dialect: string(db.Dialect()), Seed: *seed,
		Organizations: *nOrgs, Listings: *nListings, Introductions: *nIntros}
	g := &kpiGen{db: db, rng: rand.New(rand.NewPCG(*seed, 0x6b7069)), now: now}
	if *reuse {
		if err := g.load(ctx, &rep); err != nil {
			return err
		}

	} else {
		fmt.Fprintf(e.Stderr, "bench: generating %d organizations, %d listings, %d introductions in %s…\n", *nOrgs, *nListings, *nIntros, db.Dialect())
		t := time.Now()
		if err := g.generate(ctx, *nOrgs, *nListings, *nIntros); err != nil {
			return err
		}
		// The generator writes the tables directly: copy the listings'
		// fields onto the introductions as the store's writes (and
		// migration 0008 for existing records) do.
		if _, err := db.SQL().ExecContext(ctx, `UPDATE introductions SET listing_fields = (SELECT l.fields FROM listings l WHERE l.id = introductions.listing_id)`); err != nil {
			return fmt.Errorf("copy listing fields: %w", err)
		}
		rep.GenerateSec = time.Since(t).Seconds()
		rep.StageEvents = g.events
		t = time.Now()
		if _, err := db.SQL().ExecContext(ctx, `ANALYZE`); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
		rep.AnalyzeSec = time.Since(t).Seconds()
		fmt.Fprintf(e.Stderr, "bench: generated in %.1f s (%d stage events), analyzed in %.1f s; building the KPI rollups…\n", rep.GenerateSec, g.events, rep.AnalyzeSec)
	}
	// The migration marked every month dirty: this is the full build (with
	// --reuse, whatever is dirty).
	t := time.Now()
	built, err := db.RefreshKPIs(ctx)
	if err != nil {
		return fmt.Errorf("refresh KPIs: %w", err)
	}
	rep.RefreshSec, rep.RefreshMonths = time.Since(t).Seconds(), len(built.Months)
	if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM kpi_rollup`).Scan(&rep.RollupRows); err != nil {
		return err
	}
	analyze := `ANALYZE`
	if isPG {
		analyze = `VACUUM ANALYZE` // sets the visibility map, for index-only scans of the rollups
	}
	if _, err := db.SQL().ExecContext(ctx, analyze); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	fmt.Fprintf(e.Stderr, "bench: rolled up %d months into %d rows in %.1f s; timing queries…\n", rep.RefreshMonths, rep.RollupRows, rep.RefreshSec)

	staff := &kakehashi.User{ID: 1, PlatformRole: kakehashi.PlatformCoordinator}
	// Month ranges ending with this month, as the dashboard asks.
	next := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1, 0)
	year := kakehashi.KPIFilter{From: next.AddDate(-1, 0, 0), To: next, StalledBefore: now.AddDate(0, 0, -30)}
	quarter := kakehashi.KPIFilter{From: next.AddDate(0, -3, 0), To: next, StalledBefore: now.AddDate(0, 0, -30)}
	byCountry := year
	byCountry.Country = "JP"
	narrow := year
	narrow.Country, narrow.OrgKind, narrow.Field = "JP", kakehashi.OrgUniversity, "2.2"
	byField := year
	byField.Field = "1.2"
	byRegion := year
	byRegion.Country, byRegion.Region = "JP", "R3"
	regionOnly := year
	regionOnly.Region = "R3"
	big, mid := g.orgByRank(0), g.orgByRank(*nOrgs/2)
	type namedQuery struct {
		name string
		run  func() error
	}
	kpi := func(f kakehashi.KPIFilter) func() error {
		return func() error { _, err := db.KPIs(ctx, f); return err }
	}
	fact := func(org int64, viewer *kakehashi.User) func() error {
		return func() error { _, err := db.FactBook(ctx, org, viewer); return err }
	}
	queries := []namedQuery{
		{"KPIs, last 12 months, no filter", kpi(year)},
		{"KPIs, last 3 months, no filter", kpi(quarter)},
		{"KPIs, last 12 months, country=JP", kpi(byCountry)},
		{"KPIs, last 12 months, field=1.2", kpi(byField)},
		{"KPIs, last 12 months, JP+university+2.2", kpi(narrow)},
		{"KPIs, last 12 months, JP+region R3", kpi(byRegion)},
		{"KPIs, last 12 months, region R3 (any country)", kpi(regionOnly)},
		{fmt.Sprintf("fact book, largest org (%d listings), staff", g.orgListings[big]), fact(big, staff)},
		{fmt.Sprintf("fact book, largest org (%d listings), anonymous", g.orgListings[big]), fact(big, nil)},
		{fmt.Sprintf("fact book, median org (%d listings), staff", g.orgListings[mid]), fact(mid, staff)},
	}
	for _, q := range queries {
		d := make([]time.Duration, 0, *runs)
		for range *runs {
			t := time.Now()
			if err := q.run(); err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			d = append(d, time.Since(t))
		}
		slices.Sort(d)
		ms := func(x time.Duration) float64 { return math.Round(float64(x)/1e4) / 100 }
		rep.Queries = append(rep.Queries, &KPIQueryReport{Name: q.name, Runs: *runs, P50ms: ms(pct(d, 0.50)), P99ms: ms(pct(d, 0.99)), Maxms: ms(d[len(d)-1])})
	}

	// One write, then the refresh the server runs every minute.
	l := &kakehashi.Listing{Side: kakehashi.SideNeed, Kind: kakehashi.KindChallenge, OrgID: big, Title: "Bench refresh listing",
		Summary: "One write after the full build.", Language: "en", Fields: []string{"1.2"}, Sectors: []string{kakehashi.Sectors[0]},
		TRL: 3, PartnershipTypes: []kakehashi.PartnershipType{kakehashi.PartnerJointResearch}, Visibility: kakehashi.VisibilityPublic,
		Status: kakehashi.StatusOpen}
	if err := db.CreateListing(ctx, l, staff); err != nil {
		return fmt.Errorf("bench write: %w", err)
	}
	t = time.Now()
	if _, err := db.RefreshKPIs(ctx); err != nil {
		return fmt.Errorf("refresh KPIs: %w", err)
	}
	rep.RefreshMonthSec = time.Since(t).Seconds()
	if *asJSON {
		return cli.WriteJSON(e.Stdout, rep)
	}
	fmt.Fprintf(e.Stdout, "KPI dashboard on %s: %d organizations, %d listings, %d introductions, %d stage events (seed %d); %s\n",
		rep.Dialect, rep.Organizations, rep.Listings, rep.Introductions, rep.StageEvents, rep.Seed, rep.Machine)
	fmt.Fprintf(e.Stdout, "generated in %.1f s, ANALYZE %.1f s; KPI rollups: full build of %d months %.1f s, %d rows; refresh after one write %.2f s\n\n",
		rep.GenerateSec, rep.AnalyzeSec, rep.RefreshMonths, rep.RefreshSec, rep.RollupRows, rep.RefreshMonthSec)
	tw := tabwriter.NewWriter(e.Stdout, 0, 2, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\truns\tp50 ms\tp99 ms\tmax ms\t")
	for _, q := range rep.Queries {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t\n", q.Name, q.Runs, q.P50ms, q.P99ms, q.Maxms)
	}
	return tw.Flush()
}

// pct returns the nearest-rank percentile p of sorted d.
func pct(d []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(d)))) - 1
	return d[max(0, min(i, len(d)-1))]
}

// kpiGen writes generated records straight into the tables with multi-row
// INSERTs in large transactions.
type kpiGen struct {
	db  *sqlstore.DB
	rng *rand.Rand
	now time.Time

	orgCountry  []string // by org id − 1
	orgListings map[int64]int
	listingOrg  []int64 // by listing id − 1
	listingAt   []time.Time
	events      int
}

// orgByRank returns the id of the organization with the rank-th most listings.
func (g *kpiGen) orgByRank(rank int) int64 {
	ids := make([]int64, 0, len(g.orgListings))
	for id := range g.orgListings {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if g.orgListings[ids[i]] != g.orgListings[ids[j]] {
			return g.orgListings[ids[i]] > g.orgListings[ids[j]]
		}
		return ids[i] < ids[j]
	})
	return ids[min(rank, len(ids)-1)]
}

// load reads what the timings need from a database generate filled.
func (g *kpiGen) load(ctx context.Context, rep *KPIBenchReport) error {
	g.orgListings = map[int64]int{}
	rows, err := g.db.SQL().QueryContext(ctx, `SELECT org_id, COUNT(*) FROM listings GROUP BY org_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	rep.Listings = 0
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		g.orgListings[id] = n
		rep.Listings += n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return g.db.SQL().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM organizations), (SELECT COUNT(*) FROM introductions), (SELECT COUNT(*) FROM stage_events)`).
		Scan(&rep.Organizations, &rep.Introductions, &rep.StageEvents)
}

// pickOrg draws an organization, a few of them owning most listings.
func (g *kpiGen) pickOrg(n int) int64 {
	u := g.rng.Float64()
	return int64(math.Floor(float64(n)*u*u*u)) + 1
}

func (g *kpiGen) some(vocab []string, lo, hi int) string {
	k := lo + g.rng.IntN(hi-lo+1)
	picked := make([]string, 0, k)
	for len(picked) < k {
		// Skew towards the start of the vocabulary.
		u := g.rng.Float64()
		v := vocab[int(float64(len(vocab))*u*u)]
		if !slices.Contains(picked, v) {
			picked = append(picked, v)
		}
	}
	b, _ := json.Marshal(picked)
	return string(b)
}

func (g *kpiGen) generate(ctx context.Context, nOrgs, nListings, nIntros int) error {
	ts := func(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
	created := g.now.AddDate(-3, 0, 0)
	// Organizations and one user each.
	var orgRows, userRows [][]any
	for i := 1; i <= nOrgs; i++ {
		c := benchCountries[min(len(benchCountries)-1, int(float64(len(benchCountries))*math.Pow(g.rng.Float64(), 1.6)))]
		g.orgCountry = append(g.orgCountry, c)
		kind := benchOrgKinds[g.rng.IntN(len(benchOrgKinds))]
		orgRows = append(orgRows, []any{i, fmt.Sprintf("Bench organization %d", i), string(kind), c, fmt.Sprintf("R%d", g.rng.IntN(8)),
			g.some(kakehashi.Sectors, 1, 3), "bench", ts(created), ts(created)})
		userRows = append(userRows, []any{i, fmt.Sprintf("user%d@bench.example", i), fmt.Sprintf("User %d", i), i, "member", ts(created), ts(created)})
	}
	if err := g.insert(ctx, "organizations", "id, name, kind, country, region, sectors, content_hash, created_at, updated_at", orgRows); err != nil {
		return err
	}
	if err := g.insert(ctx, "users", "id, email, name, org_id, org_role, created_at, updated_at", userRows); err != nil {
		return err
	}

	fields := make([]string, 0, len(kakehashi.FieldsOfScience))
	for f := range kakehashi.FieldsOfScience {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	g.rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
	partner := make([]string, len(benchPartnerships))
	for i, p := range benchPartnerships {
		partner[i] = string(p)
	}
	span := 2 * 365 * 24 * time.Hour
	g.orgListings = map[int64]int{}
	const batch = 50_000
	rows := make([][]any, 0, batch)
	for i := 1; i <= nListings; i++ {
		org := g.pickOrg(nOrgs)
		g.orgListings[org]++
		// More listings recently: the platform grows.
		at := ts(g.now.Add(-time.Duration(float64(span) * (1 - math.Sqrt(g.rng.Float64())))))
		g.listingOrg = append(g.listingOrg, org)
		g.listingAt = append(g.listingAt, at)
		side, kind := kakehashi.SideSeed, []kakehashi.ListingKind{kakehashi.KindTechnology, kakehashi.KindTechnology, kakehashi.KindPatent, kakehashi.KindDataset, kakehashi.KindFacility}[g.rng.IntN(5)]
		if g.rng.IntN(10) < 4 {
			side, kind = kakehashi.SideNeed, []kakehashi.ListingKind{kakehashi.KindChallenge, kakehashi.KindChallenge, kakehashi.KindPartnerSearch, kakehashi.KindProcurement}[g.rng.IntN(4)]
		}
		vis := kakehashi.VisibilityPublic
		switch r := g.rng.IntN(100); {
		case r < 4:
			vis = kakehashi.VisibilityConfidential
		case r < 14:
			vis = kakehashi.VisibilityMembers
		}
		status := kakehashi.StatusOpen
		switch r := g.rng.IntN(100); {
		case r < 4:
			status = kakehashi.StatusDraft
		case r < 20:
			status = kakehashi.StatusClosed
		case r < 25:
			status = kakehashi.StatusArchived
		}
		lang := "en"
		if g.orgCountry[org-1] == "JP" && g.rng.IntN(3) > 0 {
			lang = "ja"
		}
		targets := "[]"
		if g.rng.IntN(3) == 0 {
			targets = g.some(benchCountries, 1, 3)
		}
		rows = append(rows, []any{i, org, string(side), string(kind), fmt.Sprintf("Bench listing %d", i),
			"A generated listing for the KPI benchmark.", "Generated body text.", lang, `["bench"]`,
			g.some(fields, 1, 2), g.some(kakehashi.Sectors, 1, 2), 1 + g.rng.IntN(9), `{"patents":null,"status":"none","jurisdictions":null}`,
			g.some(partner, 1, 2), targets, g.rng.IntN(50) == 0, string(vis), string(status), org, "bench", at, at})
		if len(rows) == batch || i == nListings {
			if err := g.insert(ctx, "listings", `id, org_id, side, kind, title, summary, body, language, keywords, fields, sectors, trl, ip,
				partnership_types, target_countries, controlled, visibility, status, created_by, content_hash, created_at, updated_at`, rows); err != nil {
				return err
			}
			rows = rows[:0]
		}
	}

	// Introductions with their stage histories.
	day := 24 * time.Hour
	after := func(t time.Time, meanDays float64) time.Time {
		return ts(t.Add(time.Duration((0.2 + g.rng.ExpFloat64()) * meanDays * float64(day))))
	}
	var introRows, eventRows [][]any
	flush := func(last bool) error {
		// Introductions go first: stage events reference them.
		if !last && len(introRows) < batch/2 && len(eventRows) < batch {
			return nil
		}
		{
			if err := g.insert(ctx, "introductions", `id, listing_id, owner_org_id, requester_id, requester_org_id, message, stage, outcome,
				reason, agreement, stage_changed_at, created_at, updated_at`, introRows); err != nil {
				return err
			}
			introRows = introRows[:0]
		}
		{
			if err := g.insert(ctx, "stage_events", "introduction_id, actor_id, from_stage, to_stage, at", eventRows); err != nil {
				return err
			}
			eventRows = eventRows[:0]
		}
		return nil
	}
	for i := 1; i <= nIntros; i++ {
		li := g.rng.IntN(nListings)
		// Recent listings draw more interest.
		if j := nListings - 1 - g.rng.IntN(max(1, nListings/3)); g.rng.IntN(2) == 0 {
			li = j
		}
		owner, lat := g.listingOrg[li], g.listingAt[li]
		requester := int64(g.rng.IntN(nOrgs)) + 1
		if requester == owner {
			requester = requester%int64(nOrgs) + 1
		}
		t0 := after(lat, 20)
		if t0.After(g.now) {
			t0 = ts(lat.Add(time.Duration(g.rng.Int64N(int64(g.now.Sub(lat)) + 1))))
		}
		stage, outcome, reason, agreement := kakehashi.StageInterest, kakehashi.OutcomeNone, "", ""
		at := t0
		eventRows = append(eventRows, []any{i, requester, "", string(kakehashi.StageInterest), t0})
		move := func(to kakehashi.Stage, meanDays float64) bool {
			next := after(at, meanDays)
			if next.After(g.now) {
				return false
			}
			eventRows = append(eventRows, []any{i, owner, string(stage), string(to), next})
			stage, at = to, next
			return true
		}
		r := g.rng.Float64()
		switch {
		case r < 0.35: // no answer yet
		case r < 0.50:
			if move(kakehashi.StageClosed, 10) {
				outcome, reason = kakehashi.OutcomeDeclined, string(benchReasons[g.rng.IntN(len(benchReasons))])
			}
		default:
			ok := move(kakehashi.StageIntroduced, 7)
			for _, s := range []struct {
				to   kakehashi.Stage
				days float64
				p    float64
			}{{kakehashi.StageMeeting, 14, 0.6}, {kakehashi.StageNDA, 20, 0.5}, {kakehashi.StageAgreement, 45, 0.5}} {
				if !ok {
					break
				}
				if g.rng.Float64() >= s.p {
					if g.rng.IntN(2) == 0 && move(kakehashi.StageClosed, 30) {
						outcome = kakehashi.OutcomeLost
					}
					ok = false
					break
				}
				ok = move(s.to, s.days)
			}
			if ok && stage == kakehashi.StageAgreement {
				pt := benchPartnerships[g.rng.IntN(len(benchPartnerships))]
				b, _ := json.Marshal(kakehashi.Agreement{Type: pt, Parties: []string{strconv.FormatInt(owner, 10), strconv.FormatInt(requester, 10)},
					Value: int64(1+g.rng.IntN(500)) * 100_000, Currency: []string{"JPY", "USD", "EUR"}[g.rng.IntN(3)], Date: at})
				agreement = string(b)
				if g.rng.IntN(10) < 7 && move(kakehashi.StageClosed, 20) {
					outcome = kakehashi.OutcomeWon
				}
			}
		}
		introRows = append(introRows, []any{i, int64(li + 1), owner, requester, requester, "Interested in working together.",
			string(stage), string(outcome), reason, agreement, at, t0, at})
		if err := flush(false); err != nil {
			return err
		}
	}
	if err := flush(true); err != nil {
		return err
	}
	if g.db.Dialect() == sqlstore.Postgres {
		// Explicit ids leave the identity sequences behind; move them on so
		// that the database stays usable.
		for _, t := range []string{"organizations", "users", "listings", "introductions"} {
			if _, err := g.db.SQL().ExecContext(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))`, t, t)); err != nil {
				return fmt.Errorf("reset %s sequence: %w", t, err)
			}
		}
	}
	return nil
}

// insert writes rows into table in one transaction, as multi-row INSERTs of
// at most 30,000 parameters each.
func (g *kpiGen) insert(ctx context.Context, table, columns string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if table == "stage_events" {
		g.events += len(rows)
	}
	ncol := len(rows[0])
	pg := g.db.Dialect() == sqlstore.Postgres
	per := max(1, 30_000/ncol)
	tx, err := g.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var stmt *sql.Stmt
	stmtRows := 0
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		if stmt == nil || stmtRows != len(chunk) {
			var b strings.Builder
			fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, columns)
			n := 1
			for r := range chunk {
				if r > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('(')
				for c := range ncol {
					if c > 0 {
						b.WriteByte(',')
					}
					if pg {
						b.WriteString("$" + strconv.Itoa(n))
					} else {
						// modernc.org/sqlite binds $N by name, which is
						// quadratic in the parameter count.
						b.WriteByte('?')
					}
					n++
				}
				b.WriteByte(')')
			}
			if stmt != nil {
				stmt.Close()
			}
			if stmt, err = tx.PrepareContext(ctx, b.String()); err != nil {
				return fmt.Errorf("insert %s: %w", table, err)
			}
			stmtRows = len(chunk)
		}
		args := make([]any, 0, len(chunk)*ncol)
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
	}
	if stmt != nil {
		stmt.Close()
	}
	return tx.Commit()
}
