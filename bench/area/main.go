// Command area measures area targeting at city scale: it fills a fresh
// database with the demo, 18 districts in a grid over a city-sized box and
// N active followers of @citytransit (85 % with a place in the box, 10 %
// who chose districts, 5 % who want everything), then times the editor's
// audience count (notice.Service.AudienceCount) and the materialization
// of a broadcast limited to an area (broadcast.Engine.Materialize, the
// job publishing queues) for a polygon over a third of the city, a circle
// of 3 km, two districts and the whole city, and compares each
// materialization with a plain INSERT ... SELECT of the same follower ids.
//
//	go run ./bench/area                                  # PostgreSQL, 1,000,000 followers
//	go run ./bench/area -db sqlite -followers 100000
//
// See bench/README.md ("Area targeting") for the latest figures.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/bench/benchutil"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/demo"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/org"
	"github.com/plazahq/plaza/queue"
	"github.com/plazahq/plaza/secrets"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "area bench:", err)
		os.Exit(1)
	}
}

// The city: followers' places are spread over this box, on the area
// package's lattice (indices i = round((lat+90)*1000), j = round((lon+180)*1000)).
const (
	iMin, iSpan = 112150, 401 // 22.150 to 22.550 N
	jMin, jSpan = 293850, 551 // 113.850 to 114.400 E
)

// District edges: 3 rows by 6 columns, a little beyond the box and off the
// lattice, so that every place is in exactly one district.
var (
	latEdges = []float64{22.1495, 22.2835, 22.4165, 22.5505}
	lonEdges = []float64{113.8495, 113.9415, 114.0335, 114.1255, 114.2165, 114.3085, 114.4005}
)

type bench struct {
	db       *database.DB
	d        *app.Domains
	engine   *broadcast.Engine
	member   *models.Member
	account  *models.Account
	orgID    int64
	pg       bool
	runs     int
	mruns    int
	dists    []int64 // district ids in grid order (row by row from the south-west)
	explain  bool
	results  []result
	everyone result
}

type result struct {
	name                   string
	audience               int64
	coldCount              time.Duration
	counts                 []time.Duration
	materialize, rawInsert []time.Duration
	written                int64
}

func run() error {
	dbKind := flag.String("db", "postgres", "postgres or sqlite")
	followers := flag.Int("followers", 1_000_000, "followers of @citytransit to generate")
	runs := flag.Int("runs", 7, "timed audience counts per area (median reported)")
	mruns := flag.Int("materialize-runs", 3, "materializations per area (median reported)")
	admin := flag.String("postgres", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server (the bench creates and drops a database of its own)")
	keep := flag.Bool("keep", false, "keep the database afterwards")
	explain := flag.Bool("explain", true, "print the plan of the count for the polygon")
	seedOnly := flag.Bool("seed-only", false, "seed, check and stop, keeping the database (to try queries on it)")
	flag.Parse()
	ctx := context.Background()
	fmt.Printf("machine: %d cores, load %s at start\n", runtime.NumCPU(), benchutil.LoadAvg())

	var dbURL string
	switch *dbKind {
	case "postgres":
		name := fmt.Sprintf("plaza_bench_area_%d_%d", time.Now().Unix(), os.Getpid())
		u, drop, err := benchutil.FreshDatabase(ctx, *admin, name)
		if err != nil {
			return err
		}
		if *keep || *seedOnly {
			fmt.Println("database kept:", name)
		} else {
			defer drop()
		}
		dbURL = u
	case "sqlite":
		dir, err := os.MkdirTemp("", "plaza-bench-area")
		if err != nil {
			return err
		}
		if *keep || *seedOnly {
			fmt.Println("database kept in", dir)
		} else {
			defer os.RemoveAll(dir)
		}
		dbURL = "sqlite:" + filepath.Join(dir, "plaza.db")
	default:
		return fmt.Errorf("-db %q: want postgres or sqlite", *dbKind)
	}

	db, err := database.Open(ctx, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := app.Migrate(ctx, db, nil); err != nil {
		return err
	}
	inserter, err := queue.NewInserter(db)
	if err != nil {
		return err
	}
	key, err := secrets.ParseKey(strings.Repeat("ab", 32))
	if err != nil {
		return err
	}
	box, err := secrets.New(key)
	if err != nil {
		return err
	}
	d := app.Open(db, inserter, box)
	step("demo")
	if _, err := demo.Seed(ctx, demo.Services{
		Store: d.Store, Orgs: d.Orgs, Accounts: d.Accounts, FollowCodes: d.FollowCodes, Notices: d.Notices,
		Followers: d.Followers, Projects: d.Projects, Channels: d.Channels, GTFS: d.GTFS,
	}, "http://plaza.test", demo.Options{}); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	b := &bench{db: db, d: d, pg: db.Dialect == database.Postgres, runs: *runs, mruns: *mruns, explain: *explain,
		engine: broadcast.New(d.Store, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), broadcast.Options{Targets: d.Districts})}
	if err := b.owner(ctx); err != nil {
		return err
	}
	if b.pg {
		var version, workMem, jit string
		db.Gorm.Raw("SHOW server_version").Scan(&version)
		db.Gorm.Raw("SHOW work_mem").Scan(&workMem)
		db.Gorm.Raw("SHOW jit").Scan(&jit)
		fmt.Printf("PostgreSQL %s, work_mem %s, jit %s\n", version, workMem, jit)
	}
	if err := b.importDistricts(ctx); err != nil {
		return err
	}
	if err := b.seed(ctx, *followers); err != nil {
		return err
	}
	if err := b.check(ctx); err != nil {
		return err
	}
	if *seedOnly {
		return nil
	}

	third := area.Area{Polygons: orb.MultiPolygon{blob(22.35, 114.125, 0.13, 0.18, 36)}}
	circle := area.Area{Circles: []area.Circle{{Lat: 22.30, Lon: 114.17, RadiusM: 3000}}}
	two := area.Area{Districts: []int64{b.dists[8], b.dists[9]}}
	city := area.Area{Polygons: orb.MultiPolygon{{{{lonEdges[0], latEdges[0]}, {lonEdges[6], latEdges[0]}, {lonEdges[6], latEdges[3]},
		{lonEdges[0], latEdges[3]}, {lonEdges[0], latEdges[0]}}}}}
	for _, c := range []struct {
		name string
		a    *area.Area
	}{
		{"everyone (no area)", nil},
		{"polygon, 36 vertices, a third of the city", &third},
		{"circle of 3 km", &circle},
		{"two districts", &two},
		{"polygon around the whole city", &city},
	} {
		step(c.name)
		r, err := b.measure(ctx, c.name, c.a)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		b.results = append(b.results, r)
	}
	b.report()
	fmt.Printf("load at the end: %s\n", benchutil.LoadAvg())
	return nil
}

func step(s string) { fmt.Fprintln(os.Stderr, "==>", time.Now().Format("15:04:05"), s) }

// owner finds the demo transit account and its owner.
func (b *bench) owner(ctx context.Context) error {
	var u models.User
	if err := b.d.Store.DB().Where("email = ?", "owner@transit.demo.plaza.test").First(&u).Error; err != nil {
		return fmt.Errorf("demo owner: %w", err)
	}
	var a models.Account
	if err := b.d.Store.DB().Where("handle = ?", demo.TransitHandle).First(&a).Error; err != nil {
		return fmt.Errorf("demo account: %w", err)
	}
	m, err := org.New(b.d.Store.Core).MemberOf(ctx, &u, a.OrganizationID)
	if err != nil {
		return err
	}
	b.member, b.account, b.orgID = m, &a, a.OrganizationID
	return nil
}

// importDistricts imports the grid of districts as a GeoJSON file, as an
// owner would from the studio.
func (b *bench) importDistricts(ctx context.Context) error {
	fc := geojson.NewFeatureCollection()
	for r := range 3 {
		for c := range 6 {
			ring := orb.Ring{{lonEdges[c], latEdges[r]}, {lonEdges[c+1], latEdges[r]}, {lonEdges[c+1], latEdges[r+1]},
				{lonEdges[c], latEdges[r+1]}, {lonEdges[c], latEdges[r]}}
			f := geojson.NewFeature(orb.Polygon{ring})
			f.Properties["code"] = fmt.Sprintf("D%d%d", r, c)
			f.Properties["name"] = fmt.Sprintf("District %d-%d", r+1, c+1)
			fc.Append(f)
		}
	}
	data, err := json.Marshal(fc)
	if err != nil {
		return err
	}
	if _, err := b.d.Districts.Import(ctx, b.member, b.orgID, data, false); err != nil {
		return fmt.Errorf("import districts: %w", err)
	}
	shapes, err := b.d.Districts.List(ctx, b.orgID)
	if err != nil {
		return err
	}
	byCode := map[string]int64{}
	for _, s := range shapes {
		byCode[s.Code] = s.ID
	}
	for r := range 3 {
		for c := range 6 {
			b.dists = append(b.dists, byCode[fmt.Sprintf("D%d%d", r, c)])
		}
	}
	return nil
}

// districtOf is a CASE expression mapping expr (0 to 17) to a district id.
func (b *bench) districtOf(expr string) string {
	var sb strings.Builder
	sb.WriteString("CASE " + expr)
	for k, id := range b.dists {
		fmt.Fprintf(&sb, " WHEN %d THEN %d", k, id)
	}
	sb.WriteString(" END")
	return sb.String()
}

// seed writes n followers in set-based statements. Places are lattice
// points (i, j) of the box, so place_lat and place_lon are rounded to
// 0.001 as area.Round rounds them, and their cell and block are computed
// with area.Cell's and area.Block's formulas:
//
//	cell  = i*360001 + j
//	block = (i/10)*36001 + j/10   (integer division)
//
// (g*151 mod 401, g*195 mod 551) runs through every point of the box once
// every 220,951 followers (401 and 551 are coprime), so places are spread
// evenly, about 4.5 a point for a million.
func (b *bench) seed(ctx context.Context, n int) error {
	step(fmt.Sprintf("seeding %d followers", n))
	series := "SELECT g AS x FROM generate_series(1, ?) AS g"
	if !b.pg {
		series = "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < ?) SELECT x FROM g"
	}
	conn := b.d.Store.DB().WithContext(ctx)
	now := time.Now().UTC()
	began := time.Now()
	res := conn.Exec(`INSERT INTO followers (account_id, channel, address, name, language, status, source,
			consent_at, confirmed_at, created_at, updated_at,
			area_mode, place_lat, place_lon, place_cell, place_block, place_district_id)
		SELECT ?, 'webhook', 'area-' || CAST(p.g AS TEXT), '', CASE WHEN p.g % 3 = 0 THEN 'zh' ELSE 'en' END, 'active', 'import',
			?, ?, ?, ?,
			p.mode,
			CASE WHEN p.mode = 'place' THEN p.lat END,
			CASE WHEN p.mode = 'place' THEN p.lon END,
			CASE WHEN p.mode = 'place' THEN p.i * 360001 + p.j END,
			CASE WHEN p.mode = 'place' THEN (p.i / 10) * 36001 + p.j / 10 END,
			d.id
		FROM (SELECT q.g, q.i, q.j, q.mode,
				CAST(q.i - 90000 AS DOUBLE PRECISION) / 1000 AS lat, CAST(q.j - 180000 AS DOUBLE PRECISION) / 1000 AS lon
			FROM (SELECT s.x AS g,
					`+fmt.Sprint(iMin)+` + (CAST(s.x AS BIGINT) * 151) % `+fmt.Sprint(iSpan)+` AS i,
					`+fmt.Sprint(jMin)+` + (CAST(s.x AS BIGINT) * 195) % `+fmt.Sprint(jSpan)+` AS j,
					CASE WHEN s.x % 20 = 0 THEN 'all' WHEN s.x % 10 = 1 THEN 'districts' ELSE 'place' END AS mode
				FROM (`+series+`) AS s) AS q) AS p
		LEFT JOIN districts d ON p.mode = 'place' AND d.organization_id = ?
			AND p.lat BETWEEN d.min_lat AND d.max_lat AND p.lon BETWEEN d.min_lon AND d.max_lon
		WHERE true -- SQLite needs a WHERE to tell this ON CONFLICT from a join's ON
		ON CONFLICT (account_id, channel, address) DO NOTHING`,
		b.account.ID, now, now, now, now, n, b.orgID)
	if res.Error != nil {
		return fmt.Errorf("seed followers: %w", res.Error)
	}
	fmt.Printf("seeded %d followers in %v\n", res.RowsAffected, time.Since(began).Round(time.Millisecond))
	began = time.Now()
	// Followers who chose districts chose one, every other one a second.
	mine := `FROM followers f WHERE f.account_id = ? AND f.area_mode = 'districts' AND f.address LIKE 'area-%'`
	if err := conn.Exec(`INSERT INTO follower_districts (follower_id, district_id) SELECT f.id, `+b.districtOf("f.id % 18")+` `+mine,
		b.account.ID).Error; err != nil {
		return fmt.Errorf("seed follower districts: %w", err)
	}
	if err := conn.Exec(`INSERT INTO follower_districts (follower_id, district_id) SELECT f.id, `+b.districtOf("(f.id / 2 + 7) % 18")+` `+mine+
		` AND f.id % 2 = 0 ON CONFLICT DO NOTHING`, b.account.ID).Error; err != nil {
		return fmt.Errorf("seed follower districts: %w", err)
	}
	analyze := "ANALYZE"
	if b.pg {
		analyze = "VACUUM ANALYZE"
	}
	if err := conn.Exec(analyze).Error; err != nil {
		return err
	}
	fmt.Printf("follower_districts and %s in %v\n", analyze, time.Since(began).Round(time.Millisecond))
	var modes []struct {
		AreaMode string
		N        int64
	}
	conn.Raw(`SELECT area_mode, COUNT(*) AS n FROM followers WHERE account_id = ? AND status = 'active' GROUP BY area_mode ORDER BY area_mode`,
		b.account.ID).Scan(&modes)
	var fd int64
	conn.Raw(`SELECT COUNT(*) FROM follower_districts`).Scan(&fd)
	fmt.Printf("active followers of @%s by area mode: %+v; %d follower_districts rows\n", b.account.Handle, modes, fd)
	return nil
}

// check compares a sample of the seeded rows with what the app computes
// in Go when a follower saves a place (area.Round, area.Cell, area.Block,
// district.Service.Locate).
func (b *bench) check(ctx context.Context) error {
	var rows []struct {
		ID              int64
		PlaceLat        float64
		PlaceLon        float64
		PlaceCell       int64
		PlaceBlock      int64
		PlaceDistrictID *int64
	}
	if err := b.d.Store.DB().WithContext(ctx).Raw(`SELECT id, place_lat, place_lon, place_cell, place_block, place_district_id
		FROM followers WHERE account_id = ? AND area_mode = 'place' AND id % 997 = 0 ORDER BY id LIMIT 1000`, b.account.ID).
		Scan(&rows).Error; err != nil {
		return err
	}
	if len(rows) == 0 {
		return errors.New("no followers with a place to check")
	}
	for _, r := range rows {
		lat, lon := area.Round(r.PlaceLat, r.PlaceLon)
		if lat != r.PlaceLat || lon != r.PlaceLon {
			return fmt.Errorf("follower %d: place %v,%v is not on the lattice (%v,%v)", r.ID, r.PlaceLat, r.PlaceLon, lat, lon)
		}
		if c := area.Cell(lat, lon); c != r.PlaceCell {
			return fmt.Errorf("follower %d at %v,%v: place_cell %d, area.Cell %d", r.ID, lat, lon, r.PlaceCell, c)
		}
		if bl := area.Block(lat, lon); bl != r.PlaceBlock {
			return fmt.Errorf("follower %d at %v,%v: place_block %d, area.Block %d", r.ID, lat, lon, r.PlaceBlock, bl)
		}
		got, err := b.d.Districts.Locate(ctx, b.orgID, lat, lon)
		if err != nil {
			return err
		}
		if got == nil || r.PlaceDistrictID == nil || *got != *r.PlaceDistrictID {
			return fmt.Errorf("follower %d at %v,%v: place_district_id %v, Locate %v", r.ID, lat, lon, r.PlaceDistrictID, got)
		}
	}
	fmt.Printf("checked %d seeded places against area.Round, area.Cell, area.Block and Districts.Locate: all equal\n", len(rows))
	return nil
}

// blob is a star-shaped polygon of n vertices around a centre, its radii
// (in degrees) varying by ±12 %, closed.
func blob(lat, lon, rLat, rLon float64, n int) orb.Polygon {
	r := make(orb.Ring, 0, n+1)
	for k := range n {
		t := 2 * math.Pi * float64(k) / float64(n)
		s := 1 + 0.12*math.Sin(5*t) + 0.05*math.Cos(3*t)
		r = append(r, orb.Point{round5(lon + rLon*s*math.Cos(t)), round5(lat + rLat*s*math.Sin(t))})
	}
	return orb.Polygon{append(r, r[0])}
}

func round5(x float64) float64 { return math.Round(x*1e5) / 1e5 }

// audience is who a notice for a (nil: no area) goes to, as the editor
// holds it: limited to the area, followers without an area included.
func audience(a *area.Area) notice.Audience {
	if a == nil {
		return notice.Audience{}
	}
	return notice.Audience{Area: a, Scope: models.AreaScopeArea, Unlocated: true}
}

func (b *bench) measure(ctx context.Context, name string, a *area.Area) (result, error) {
	r := result{name: name}
	aud := audience(a)
	began := time.Now()
	n, err := b.d.Notices.AudienceCount(ctx, b.member, b.account, aud)
	if err != nil {
		return r, err
	}
	r.coldCount, r.audience = time.Since(began), n
	if err := b.truth(ctx, a, n); err != nil {
		return r, err
	}
	for range b.runs {
		began := time.Now()
		m, err := b.d.Notices.AudienceCount(ctx, b.member, b.account, aud)
		if err != nil {
			return r, err
		}
		r.counts = append(r.counts, time.Since(began))
		if m != n {
			return r, fmt.Errorf("count changed from %d to %d", n, m)
		}
	}
	if a != nil && b.explain && len(a.Polygons) > 0 && len(b.results) == 1 {
		if err := b.plan(ctx, a); err != nil {
			return r, err
		}
	}
	for k := range b.mruns {
		took, written, err := b.materialize(ctx, a, k)
		if err != nil {
			return r, err
		}
		if written != n {
			return r, fmt.Errorf("materialized %d deliveries, the editor counted %d", written, n)
		}
		r.materialize, r.written = append(r.materialize, took), written
		raw, err := b.raw(ctx)
		if err != nil {
			return r, err
		}
		r.rawInsert = append(r.rawInsert, raw)
	}
	return r, nil
}

// truth counts the audience in Go from every follower's row, with the
// area package's geometry instead of the stored cover, and compares.
func (b *bench) truth(ctx context.Context, a *area.Area, counted int64) error {
	var t *models.AreaTarget
	if a != nil {
		var err error
		if t, err = b.d.Districts.Target(ctx, b.orgID, *a, true); err != nil {
			return err
		}
	}
	conn := b.d.Store.DB().WithContext(ctx)
	chose := map[int64][]int64{}
	rows, err := conn.Raw(`SELECT fd.follower_id, fd.district_id FROM follower_districts fd JOIN followers f ON f.id = fd.follower_id
		WHERE f.account_id = ?`, b.account.ID).Rows()
	if err != nil {
		return err
	}
	for rows.Next() {
		var f, d int64
		if err := rows.Scan(&f, &d); err != nil {
			rows.Close()
			return err
		}
		chose[f] = append(chose[f], d)
	}
	rows.Close()
	rows, err = conn.Raw(`SELECT id, area_mode, place_lat, place_lon, place_district_id FROM followers
		WHERE account_id = ? AND status = 'active'`, b.account.ID).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	var want int64
	for rows.Next() {
		var id int64
		var mode string
		var lat, lon sql.NullFloat64
		var pd sql.NullInt64
		if err := rows.Scan(&id, &mode, &lat, &lon, &pd); err != nil {
			return err
		}
		in := false
		switch {
		case t == nil:
			in = true
		case mode == "all":
			in = t.Unlocated
		case mode == "districts":
			in = len(chose[id]) == 0 && t.Unlocated
			for _, d := range chose[id] {
				in = in || slices.Contains(t.Districts, d)
			}
		case mode == "place":
			in = (lat.Valid && a.Contains(lat.Float64, lon.Float64)) || (pd.Valid && slices.Contains(t.PlaceDistricts, pd.Int64))
		}
		if in {
			want++
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if want != counted {
		return fmt.Errorf("the count says %d, the area's geometry in Go %d", counted, want)
	}
	return nil
}

// plan prints the plan of the editor's count for a.
func (b *bench) plan(ctx context.Context, a *area.Area) error {
	t, err := b.d.Districts.Target(ctx, b.orgID, *a, true)
	if err != nil {
		return err
	}
	var cover struct{ Blocks, Cells int }
	b.d.Store.DB().WithContext(ctx).Raw(`SELECT blocks, cells FROM area_covers WHERE cover_key = ?`, t.Cover).Scan(&cover)
	fmt.Printf("\ncover of the polygon: %d blocks, %d cells; districts it meets: %d\n", cover.Blocks, cover.Cells, len(t.Districts))
	from, args := follower.AudienceFrom(b.account.ID, nil, t)
	q := "EXPLAIN QUERY PLAN SELECT COUNT(*) " + from
	if b.pg {
		q = "EXPLAIN (ANALYZE, BUFFERS) SELECT COUNT(*) " + from
	}
	rows, err := b.d.Store.DB().WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	fmt.Println("plan of the count:")
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			parts[i] = fmt.Sprint(v)
		}
		if b.pg {
			fmt.Println("  " + parts[0])
		} else {
			fmt.Println("  " + strings.Join(parts, " | "))
		}
	}
	fmt.Println()
	return rows.Err()
}

// materialize publishes a notice for a, as the account's owner would from
// the studio, and times the job publishing queued (run here rather than
// by a queue worker, so the figure is the job alone).
func (b *bench) materialize(ctx context.Context, a *area.Area, k int) (time.Duration, int64, error) {
	in := notice.Input{Kind: models.NoticeTransit,
		Translations: models.Texts("en", "title", fmt.Sprintf("Line 12 diverted (%d)", k), "body", "Line 12 buses use **Harbour Road** until 18:00."),
		Routes:       "12", Effect: "DETOUR"}
	if a != nil {
		in.Area, in.AreaScope = a, models.AreaScopeArea
	}
	bc, err := benchutil.Publish(ctx, b.d.Store, b.d.Notices, "owner@transit.demo.plaza.test", demo.TransitHandle, in)
	if err != nil {
		return 0, 0, fmt.Errorf("publish: %w", err)
	}
	if err := b.clear(ctx); err != nil {
		return 0, 0, err
	}
	began := time.Now()
	if err := b.engine.Materialize(ctx, bc.ID); err != nil {
		return 0, 0, err
	}
	took := time.Since(began)
	var got models.Broadcast
	if err := b.d.Store.DB().WithContext(ctx).First(&got, bc.ID).Error; err != nil {
		return 0, 0, err
	}
	if got.Status != models.BroadcastSending {
		return 0, 0, fmt.Errorf("broadcast %d is %s after materializing", got.ID, got.Status)
	}
	// Keep the ids for the plain insert.
	conn := b.d.Store.DB().WithContext(ctx)
	if err := conn.Exec(`DROP TABLE IF EXISTS bench_ids`).Error; err != nil {
		return 0, 0, err
	}
	if err := conn.Exec(`CREATE TABLE bench_ids AS SELECT broadcast_id, follower_id FROM deliveries WHERE broadcast_id = ?`, bc.ID).Error; err != nil {
		return 0, 0, err
	}
	return took, got.Total, nil
}

// clear empties the deliveries, so every run writes into the same empty
// table.
func (b *bench) clear(ctx context.Context) error {
	conn := b.d.Store.DB().WithContext(ctx)
	if b.pg {
		return conn.Exec(`TRUNCATE deliveries`).Error
	}
	return conn.Exec(`DELETE FROM deliveries`).Error
}

// raw writes the deliveries the last materialization wrote again with a
// plain INSERT ... SELECT of their follower ids, into the emptied table:
// the cost of the rows alone, without choosing the audience.
func (b *bench) raw(ctx context.Context) (time.Duration, error) {
	if err := b.clear(ctx); err != nil {
		return 0, err
	}
	conn := b.d.Store.DB().WithContext(ctx)
	began := time.Now()
	if err := conn.Exec(`INSERT INTO deliveries (broadcast_id, follower_id, status, next_at)
		SELECT broadcast_id, follower_id, 'queued', ? FROM bench_ids ORDER BY follower_id`, time.Now().UTC()).Error; err != nil {
		return 0, fmt.Errorf("plain insert: %w", err)
	}
	took := time.Since(began)
	return took, b.clear(ctx)
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func span(ds []time.Duration) string {
	if len(ds) == 0 {
		return ""
	}
	return fmt.Sprintf("%v–%v", slices.Min(ds).Round(time.Millisecond/10), slices.Max(ds).Round(time.Millisecond/10))
}

func (b *bench) report() {
	fmt.Printf("\n%d count runs, %d materializations per area; median (range)\n\n", b.runs, b.mruns)
	fmt.Println("| audience | followers reached | count, first (cover stored) | count | materialize | plain INSERT ... SELECT of the same ids | ratio |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range b.results {
		ratio := float64(median(r.materialize)) / float64(median(r.rawInsert))
		fmt.Printf("| %s | %d | %v | %v (%s) | %v (%s) | %v (%s) | %.2f |\n", r.name, r.audience,
			r.coldCount.Round(time.Millisecond/10), median(r.counts).Round(time.Millisecond/10), span(r.counts),
			median(r.materialize).Round(time.Millisecond), span(r.materialize),
			median(r.rawInsert).Round(time.Millisecond), span(r.rawInsert), ratio)
	}
}
