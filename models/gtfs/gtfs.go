package gtfs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/plazahq/plaza/models"
)

// Service is the GTFS static domain; see the package comment.
type Service struct {
	core models.Core
}

// New builds the service on the shared core (store.Core in app).
func New(core models.Core) *Service { return &Service{core: core} }

// Feed is the file an account last imported.
type Feed struct {
	AccountID   int64 `gorm:"primaryKey;autoIncrement:false"`
	FileName    string
	SHA256      string `gorm:"column:sha256"`
	RoutesCount int
	StopsCount  int
	ImportedAt  time.Time
	ImportedBy  *int64
}

// TableName is the feed's table.
func (Feed) TableName() string { return "gtfs_feeds" }

// Route is one line of routes.txt.
type Route struct {
	AccountID int64  `json:"-"`
	ID        string `gorm:"column:route_id" json:"id"`
	ShortName string `json:"short_name"`
	LongName  string `json:"long_name"`
	// Type is GTFS's route_type (3 is a bus).
	Type int `gorm:"column:route_type" json:"type"`
}

// TableName is the routes' table.
func (Route) TableName() string { return "gtfs_routes" }

// Name is the route's name as riders know it: its short name, else its
// long name.
func (r Route) Name() string {
	if r.ShortName != "" {
		return r.ShortName
	}
	return r.LongName
}

// Label is what the editor shows beside a route's id.
func (r Route) Label() string {
	switch {
	case r.ShortName != "" && r.LongName != "":
		return r.ShortName + " – " + r.LongName
	}
	return r.Name()
}

// Stop is one line of stops.txt.
type Stop struct {
	AccountID int64   `json:"-"`
	ID        string  `gorm:"column:stop_id" json:"id"`
	Name      string  `json:"name"`
	Code      string  `json:"code,omitempty"`
	Lat       float64 `json:"lat"`
	Lon       float64 `json:"lon"`
}

// TableName is the stops' table.
func (Stop) TableName() string { return "gtfs_stops" }

// Summary is what an import kept.
type Summary struct {
	FileName string
	SHA256   string
	Routes   int
	Stops    int
}

// batchSize is how many rows one INSERT writes: 6 columns a row stays far
// under both databases' limit of bound parameters.
const batchSize = 1000

// Import reads a GTFS static zip file of size bytes and makes its routes
// and stops the account's, replacing the previous feed's in one
// transaction. A file it refuses is an *ImportError naming the file, line
// and column, and leaves the previous feed as it was.
func (s *Service) Import(ctx context.Context, m *models.Member, a *models.Account, filename string, r io.ReaderAt, size int64) (Summary, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return Summary{}, err
	}
	p, err := parseZip(r, size)
	if err != nil {
		return Summary{}, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, size)); err != nil {
		return Summary{}, fmt.Errorf("gtfs: hash the file: %w", err)
	}
	filename = cleanName(filename)
	sum := Summary{FileName: filename, SHA256: hex.EncodeToString(h.Sum(nil)), Routes: len(p.Routes), Stops: len(p.Stops)}
	for i := range p.Routes {
		p.Routes[i].AccountID = a.ID
	}
	for i := range p.Stops {
		p.Stops[i].AccountID = a.ID
	}
	err = s.core.Tx(ctx, func(tx models.Core) error {
		db := tx.Conn(ctx)
		for _, model := range []any{&Route{}, &Stop{}, &Feed{}} {
			if err := db.Where("account_id = ?", a.ID).Delete(model).Error; err != nil {
				return fmt.Errorf("gtfs: clear the previous feed: %w", err)
			}
		}
		if len(p.Routes) > 0 {
			if err := db.CreateInBatches(p.Routes, batchSize).Error; err != nil {
				return fmt.Errorf("gtfs: store routes: %w", err)
			}
		}
		if len(p.Stops) > 0 {
			if err := db.CreateInBatches(p.Stops, batchSize).Error; err != nil {
				return fmt.Errorf("gtfs: store stops: %w", err)
			}
		}
		by := m.User.ID
		feed := &Feed{AccountID: a.ID, FileName: sum.FileName, SHA256: sum.SHA256, RoutesCount: sum.Routes, StopsCount: sum.Stops,
			ImportedAt: tx.Now(), ImportedBy: &by}
		if err := db.Create(feed).Error; err != nil {
			return fmt.Errorf("gtfs: store the feed: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "gtfs.import", "@"+a.Handle,
			sum.FileName)
	})
	if err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// cleanName keeps the base of an uploaded file's name, short and printable.
func cleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
	}
	if name == "" {
		name = "gtfs-feed.zip"
	}
	return name
}

// Feed is the account's current feed, nil when it has none.
func (s *Service) Feed(ctx context.Context, m *models.Member, a *models.Account) (*Feed, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	var feeds []Feed
	if err := s.core.Conn(ctx).Where("account_id = ?", a.ID).Limit(1).Find(&feeds).Error; err != nil {
		return nil, fmt.Errorf("gtfs feed of account %d: %w", a.ID, err)
	}
	if len(feeds) == 0 {
		return nil, nil
	}
	return &feeds[0], nil
}

// hasFeed reports whether the account imported a feed.
func (s *Service) hasFeed(ctx context.Context, accountID int64) (bool, error) {
	var n int64
	if err := s.core.Conn(ctx).Model(&Feed{}).Where("account_id = ?", accountID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("gtfs feed of account %d: %w", accountID, err)
	}
	return n > 0, nil
}

// clampLimit keeps a search's limit between 1 and 1000.
func clampLimit(limit int) int { return max(1, min(limit, 1000)) }

// Routes finds the account's routes whose id or names contain q (case
// does not matter), those whose id starts with q first, then by id; all
// of them, by id, when q is empty. At most limit.
func (s *Service) Routes(ctx context.Context, accountID int64, q string, limit int) ([]Route, error) {
	db := s.core.Conn(ctx).Where("account_id = ?", accountID)
	q = strings.TrimSpace(q)
	if q != "" {
		like := models.LikePattern(q)
		db = db.Where("("+models.LikeExpr("route_id")+" OR "+models.LikeExpr("short_name")+" OR "+models.LikeExpr("long_name")+")", like, like, like).
			Order(prefixFirst("route_id", q))
	} else {
		db = db.Order("route_id")
	}
	out := []Route{}
	if err := db.Limit(clampLimit(limit)).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("gtfs routes of account %d: %w", accountID, err)
	}
	return out, nil
}

// Stops finds the account's stops whose id, code or name contains q, as
// Routes does.
func (s *Service) Stops(ctx context.Context, accountID int64, q string, limit int) ([]Stop, error) {
	db := s.core.Conn(ctx).Where("account_id = ?", accountID)
	q = strings.TrimSpace(q)
	if q != "" {
		like := models.LikePattern(q)
		db = db.Where("("+models.LikeExpr("stop_id")+" OR "+models.LikeExpr("code")+" OR "+models.LikeExpr("name")+")", like, like, like).
			Order(prefixFirst("stop_id", q))
	} else {
		db = db.Order("stop_id")
	}
	out := []Stop{}
	if err := db.Limit(clampLimit(limit)).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("gtfs stops of account %d: %w", accountID, err)
	}
	return out, nil
}

// prefixFirst orders the rows whose col starts with q before the others,
// then by col. (One expression: gorm drops an expression when a column
// is ordered after it.)
func prefixFirst(col, q string) clause.OrderBy {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return clause.OrderBy{Expression: clause.Expr{SQL: "CASE WHEN LOWER(" + col + ") LIKE ? ESCAPE '\\' THEN 0 ELSE 1 END, " + col,
		Vars: []any{r.Replace(strings.ToLower(q)) + "%"}, WithoutParentheses: true}}
}

// StopsByID loads the account's stops of ids, in the order of ids; an id
// the feed lacks is left out.
func (s *Service) StopsByID(ctx context.Context, accountID int64, ids []string) ([]Stop, error) {
	ids = unique(ids)
	found := map[string]Stop{}
	for chunk := range chunks(ids) {
		var stops []Stop
		if err := s.core.Conn(ctx).Where("account_id = ? AND stop_id IN ?", accountID, chunk).Find(&stops).Error; err != nil {
			return nil, fmt.Errorf("gtfs stops of account %d: %w", accountID, err)
		}
		for _, st := range stops {
			found[st.ID] = st
		}
	}
	out := make([]Stop, 0, len(found))
	for _, id := range ids {
		if st, ok := found[id]; ok {
			out = append(out, st)
		}
	}
	return out, nil
}

// Unknown lists the route and stop ids that are not in the account's
// feed, each once, in the order given. Nothing is unknown when the
// account has no feed.
func (s *Service) Unknown(ctx context.Context, accountID int64, routes, stops []string) (unknownRoutes, unknownStops []string, err error) {
	routes, stops = unique(routes), unique(stops)
	if len(routes) == 0 && len(stops) == 0 {
		return nil, nil, nil
	}
	has, err := s.hasFeed(ctx, accountID)
	if err != nil || !has {
		return nil, nil, err
	}
	if unknownRoutes, err = s.missing(ctx, &Route{}, "route_id", accountID, routes); err != nil {
		return nil, nil, err
	}
	if unknownStops, err = s.missing(ctx, &Stop{}, "stop_id", accountID, stops); err != nil {
		return nil, nil, err
	}
	return unknownRoutes, unknownStops, nil
}

// missing lists the ids of the account that model's table lacks.
func (s *Service) missing(ctx context.Context, model any, col string, accountID int64, ids []string) ([]string, error) {
	known := map[string]bool{}
	for chunk := range chunks(ids) {
		var got []string
		if err := s.core.Conn(ctx).Model(model).Where("account_id = ? AND "+col+" IN ?", accountID, chunk).
			Pluck(col, &got).Error; err != nil {
			return nil, fmt.Errorf("gtfs ids of account %d: %w", accountID, err)
		}
		for _, id := range got {
			known[id] = true
		}
	}
	var out []string
	for _, id := range ids {
		if !known[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// unique drops empty and repeated ids, keeping the order.
func unique(ids []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}

// chunks cuts ids into lists short enough for one IN (...).
func chunks(ids []string) func(yield func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(ids) > 0 {
			n := min(len(ids), 500)
			if !yield(ids[:n]) {
				return
			}
			ids = ids[n:]
		}
	}
}
