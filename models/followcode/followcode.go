package followcode

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/testchat"
)

// FollowCode is a named QR code of an account: its short link /q/{code}
// opens the follow page with the code's scene.
type FollowCode struct {
	ID        int64
	AccountID int64
	Code      string
	Name      string
	Scene     string
	ExpiresAt *time.Time
	CreatedBy *int64
	CreatedAt time.Time
	// WeChatURL is the parameterized QR code WeChat made for the scene
	// (empty until staff ask for one).
	WeChatURL string `gorm:"column:wechat_url"`
}

// Expired reports whether the code no longer leads to the follow page.
func (c *FollowCode) Expired(now time.Time) bool {
	return c.ExpiresAt != nil && !now.Before(*c.ExpiresAt)
}

// Scan is one opening of a follow code's link.
type Scan struct {
	ID        int64
	CodeID    int64
	Device    string
	CreatedAt time.Time
}

// FollowCodeByCode loads a code by its short code.
func (s *Service) FollowCodeByCode(ctx context.Context, code string) (*FollowCode, error) {
	code = strings.ToLower(code)
	if code == "" || len(code) > 32 {
		return nil, fmt.Errorf("follow code: %w", models.ErrNotFound)
	}
	var c FollowCode
	if err := s.core.Conn(ctx).Where("code = ?", code).First(&c).Error; err != nil {
		return nil, models.NotFound(err, "follow code")
	}
	return &c, nil
}

// ScanWindow is how long the scans of one code by one client count as
// one.
const ScanWindow = time.Hour

// RecordScan counts one scan of code from a device class (phone, tablet,
// desktop, bot, other), once per client per code in ScanWindow, so
// reloading the page or a script that opens the link in a loop does not
// inflate a poster's numbers. client is an opaque keyed digest the caller
// made of the client's network; it is kept only as a rate-limit key that
// expires with the window, and the scan itself keeps no address or
// identifier of the visitor. It reports whether the scan was counted.
func (s *Service) RecordScan(ctx context.Context, codeID int64, device, client string) (bool, error) {
	counted := false
	err := s.core.Tx(ctx, func(tx models.Core) error {
		first, _, err := tx.Hit(ctx, fmt.Sprintf("scan:%d:%s", codeID, client), 1, ScanWindow)
		if err != nil || !first {
			return err
		}
		if err := tx.Conn(ctx).Create(&Scan{CodeID: codeID, Device: device, CreatedAt: tx.Now()}).Error; err != nil {
			return fmt.Errorf("record scan: %w", err)
		}
		counted = true
		return nil
	})
	return counted, err
}

// DeviceClass turns a User-Agent into a coarse class, the only thing about
// the visitor a scan keeps.
func DeviceClass(userAgent string) string {
	ua := strings.ToLower(userAgent)
	switch {
	case ua == "":
		return "other"
	case strings.Contains(ua, "bot") || strings.Contains(ua, "spider") || strings.Contains(ua, "crawl") ||
		strings.Contains(ua, "curl/") || strings.Contains(ua, "wget/") || strings.Contains(ua, "python-"):
		return "bot"
	case strings.Contains(ua, "ipad") || strings.Contains(ua, "tablet") ||
		(strings.Contains(ua, "android") && !strings.Contains(ua, "mobile")):
		return "tablet"
	case strings.Contains(ua, "mobile") || strings.Contains(ua, "iphone") || strings.Contains(ua, "android") ||
		strings.Contains(ua, "micromessenger"):
		return "phone"
	case strings.Contains(ua, "windows") || strings.Contains(ua, "macintosh") || strings.Contains(ua, "x11") ||
		strings.Contains(ua, "linux") || strings.Contains(ua, "cros"):
		return "desktop"
	}
	return "other"
}

// FollowCodeInput is what staff fill in to make a follow code.
type FollowCodeInput struct {
	Name      string
	Scene     string
	ExpiresAt *time.Time
}

var sceneRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// CreateFollowCode makes a new code for the account. The scene is the
// label a follow carries (which poster, which stop); it is unique per
// account so per-scene counts stay meaningful.
func (s *Service) CreateFollowCode(ctx context.Context, m *models.Member, a *models.Account, in FollowCodeInput) (*FollowCode, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	var v models.ValidationError
	in.Name = validCodeName(&v, in.Name)
	in.Scene = strings.ToLower(strings.TrimSpace(in.Scene))
	if !sceneRE.MatchString(in.Scene) {
		v.Add("scene", "err.scene_format")
	} else if _, test := testchat.ParseCode(in.Scene); test {
		// The router takes such a scene for a staff member's test-chat
		// code, so a follow through it would never happen.
		v.Add("scene", "err.scene_reserved")
	}
	if in.ExpiresAt != nil && !in.ExpiresAt.After(s.core.Now()) {
		v.Add("expires_at", "err.expiry_past")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	c := &FollowCode{AccountID: a.ID, Name: in.Name, Scene: in.Scene, ExpiresAt: in.ExpiresAt, CreatedBy: &m.User.ID, CreatedAt: s.core.Now()}
	err := s.core.Tx(ctx, func(tx models.Core) error {
		var taken int64
		if err := tx.Conn(ctx).Model(&FollowCode{}).Where("account_id = ? AND scene = ?", a.ID, in.Scene).Count(&taken).Error; err != nil {
			return fmt.Errorf("check scene: %w", err)
		}
		if taken > 0 {
			return models.FieldError("scene", "err.scene_taken")
		}
		c.Code = newShortCode()
		if err := tx.Conn(ctx).Create(c).Error; err != nil {
			if models.IsUniqueViolation(err) {
				// Someone else took the scene between the check and now.
				return models.FieldError("scene", "err.scene_taken")
			}
			return fmt.Errorf("create follow code: %w", err)
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "code.create", "@"+a.Handle, in.Scene)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// newShortCode is 10 characters from an alphabet without look-alikes:
// about 50 bits, so codes cannot be guessed or collide in practice.
func newShortCode() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// FollowCodeByScene loads an account's code for a scene.
func (s *Service) FollowCodeByScene(ctx context.Context, accountID int64, scene string) (*FollowCode, error) {
	var c FollowCode
	if err := s.core.Conn(ctx).Where("account_id = ? AND scene = ?", accountID, scene).First(&c).Error; err != nil {
		return nil, models.NotFound(err, "follow code")
	}
	return &c, nil
}

// DeviceBot is the device class of crawlers and the link-preview fetchers
// of chat apps: their visits are kept but not counted as scans, since no
// person scanned anything.
const DeviceBot = "bot"

// FollowCodeStats is a code with its totals: scans by people (bots left
// out; a follow through the code's scene in a chat app is a scan too,
// ChatScan) and the people who followed through it. A person who
// follows, stops and follows again through the same code is one follow
// of it: the share of scans that became a follower cannot grow by
// coming back. (A follower erased since counts on, by their event.)
type FollowCodeStats struct {
	FollowCode
	Scans   int64
	Follows int64
}

// Conversion is the share of scans that became a follow, 0 without scans.
func (c *FollowCodeStats) Conversion() float64 {
	if c.Scans == 0 {
		return 0
	}
	return float64(c.Follows) / float64(c.Scans)
}

// codeStats loads the codes of an account (or one of them, when codeID is
// not 0) with their totals, counted by the database in one query.
func (s *Service) codeStats(ctx context.Context, accountID, codeID int64) ([]FollowCodeStats, error) {
	scanArgs, followArgs, codeArgs := []any{accountID, DeviceBot}, []any{accountID}, []any{accountID}
	onlyScans, onlyFollows, onlyCode := "", "", ""
	if codeID != 0 {
		onlyScans, onlyFollows, onlyCode = " AND s.code_id = ?", " AND e.code_id = ?", " AND c.id = ?"
		scanArgs, followArgs, codeArgs = append(scanArgs, codeID), append(followArgs, codeID), append(codeArgs, codeID)
	}
	q := `SELECT c.*, COALESCE(sc.n, 0) AS scans, COALESCE(fe.n, 0) AS follows
		FROM follow_codes c
		LEFT JOIN (
			SELECT s.code_id, COUNT(*) AS n FROM scans s
			JOIN follow_codes sfc ON sfc.id = s.code_id
			WHERE sfc.account_id = ? AND s.device <> ?` + onlyScans + `
			GROUP BY s.code_id
		) sc ON sc.code_id = c.id
		LEFT JOIN (
			SELECT e.code_id, COUNT(DISTINCT COALESCE(e.follower_id, -e.id)) AS n FROM follow_events e
			JOIN follow_codes efc ON efc.id = e.code_id
			WHERE efc.account_id = ? AND e.kind = 'follow'` + onlyFollows + `
			GROUP BY e.code_id
		) fe ON fe.code_id = c.id
		WHERE c.account_id = ?` + onlyCode + `
		ORDER BY c.created_at DESC, c.id DESC`
	args := append(append(scanArgs, followArgs...), codeArgs...)
	var out []FollowCodeStats
	if err := s.core.Conn(ctx).Raw(q, args...).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("follow codes of account %d: %w", accountID, err)
	}
	return out, nil
}

// ListFollowCodes lists an account's follow codes, newest first, with
// their scans, follows and conversion.
func (s *Service) ListFollowCodes(ctx context.Context, m *models.Member, a *models.Account) ([]FollowCodeStats, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	return s.codeStats(ctx, a.ID, 0)
}

// FollowCodeByID loads one code of the account with its totals. A code of
// another account, or an account of another organization, is models.ErrNotFound.
func (s *Service) FollowCodeByID(ctx context.Context, m *models.Member, a *models.Account, id int64) (*FollowCodeStats, error) {
	if err := models.Require(m, models.PermView, a.OrgID()); err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, fmt.Errorf("follow code: %w", models.ErrNotFound)
	}
	out, err := s.codeStats(ctx, a.ID, id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("follow code %d: %w", id, models.ErrNotFound)
	}
	return &out[0], nil
}

// DayStat is one day (UTC) of a code's activity.
type DayStat struct {
	Day     time.Time
	Scans   int64
	Follows int64
}

// dayExpr is the SQL for the UTC calendar day (YYYY-MM-DD) of a time
// column. SQLite keeps times as text that starts with the UTC date
// ("2006-01-02 15:04:05.999999999+00:00", as Plaza writes only UTC times).
func (s *Service) dayExpr(col string) string {
	if s.core.Dialect() == database.Postgres {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + col + ", 1, 10)"
}

// CodeDailyStats counts a code's scans (bots left out) and follows per UTC
// day for the last days days, today included, oldest first; days without
// any are there with zeros.
func (s *Service) CodeDailyStats(ctx context.Context, code *FollowCode, days int) ([]DayStat, error) {
	if days < 1 {
		days = 1
	}
	now := s.core.Now()
	first := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(days - 1))
	type row struct {
		Day string
		N   int64
	}
	count := func(table, where string, args ...any) (map[string]int64, error) {
		var rows []row
		day := s.dayExpr("created_at")
		err := s.core.Conn(ctx).Raw("SELECT "+day+" AS day, COUNT(*) AS n FROM "+table+
			" WHERE code_id = ? AND created_at >= ? AND "+where+" GROUP BY "+day,
			append([]any{code.ID, first}, args...)...).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("daily %s of code %d: %w", table, code.ID, err)
		}
		out := make(map[string]int64, len(rows))
		for _, r := range rows {
			out[r.Day] = r.N
		}
		return out, nil
	}
	scans, err := count("scans", "device <> ?", DeviceBot)
	if err != nil {
		return nil, err
	}
	follows, err := count("follow_events", "kind = 'follow'")
	if err != nil {
		return nil, err
	}
	out := make([]DayStat, days)
	for i := range out {
		d := first.AddDate(0, 0, i)
		k := d.Format("2006-01-02")
		out[i] = DayStat{Day: d, Scans: scans[k], Follows: follows[k]}
	}
	return out, nil
}

// DeviceCount is how many visits of a code came from one device class.
type DeviceCount struct {
	Device string
	N      int64
}

// CodeDevices counts all visits of a code's link by device class, bots
// included, most first.
func (s *Service) CodeDevices(ctx context.Context, code *FollowCode) ([]DeviceCount, error) {
	var out []DeviceCount
	err := s.core.Conn(ctx).Raw("SELECT device, COUNT(*) AS n FROM scans WHERE code_id = ? GROUP BY device ORDER BY n DESC, device",
		code.ID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("devices of code %d: %w", code.ID, err)
	}
	return out, nil
}

// FollowCodeUpdate is what can change on a code once it exists. The scene
// cannot: it is printed on posters and labels every follow already made.
type FollowCodeUpdate struct {
	Name      string
	ExpiresAt *time.Time
}

func validCodeName(v *models.ValidationError, name string) string {
	name = strings.TrimSpace(name)
	switch n := len([]rune(name)); {
	case n == 0:
		v.Add("name", "err.required")
	case n > 100:
		v.Add("name", "err.too_long")
	}
	return name
}

// UpdateFollowCode renames a code and changes or removes its expiry. An
// ended code stays ended: only its name can change.
func (s *Service) UpdateFollowCode(ctx context.Context, m *models.Member, a *models.Account, code *FollowCode, in FollowCodeUpdate) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	if code.AccountID != a.ID {
		return fmt.Errorf("follow code: %w", models.ErrNotFound)
	}
	var v models.ValidationError
	name := validCodeName(&v, in.Name)
	now := s.core.Now()
	ended := code.Expired(now)
	expires := in.ExpiresAt
	if ended {
		expires = code.ExpiresAt
	} else if expires != nil && !expires.After(now) {
		v.Add("expires_at", "err.expiry_past")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		err := tx.Conn(ctx).Model(&FollowCode{}).Where("id = ? AND account_id = ?", code.ID, a.ID).
			Updates(map[string]any{"name": name, "expires_at": expires}).Error
		if err != nil {
			return fmt.Errorf("update follow code: %w", err)
		}
		code.Name, code.ExpiresAt = name, expires
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "code.update", "@"+a.Handle, code.Scene)
	})
}

// ExpireFollowCode ends a code now: its link shows the "no longer active"
// page from then on, while its counts stay. Ending an ended code changes
// nothing.
func (s *Service) ExpireFollowCode(ctx context.Context, m *models.Member, a *models.Account, code *FollowCode) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	if code.AccountID != a.ID {
		return fmt.Errorf("follow code: %w", models.ErrNotFound)
	}
	now := s.core.Now()
	if code.Expired(now) {
		return nil
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		err := tx.Conn(ctx).Model(&FollowCode{}).Where("id = ? AND account_id = ?", code.ID, a.ID).
			Update("expires_at", now).Error
		if err != nil {
			return fmt.Errorf("expire follow code: %w", err)
		}
		code.ExpiresAt = &now
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "code.expire", "@"+a.Handle, code.Scene)
	})
}

// SetWeChatCodeURL stores the URL of the parameterized QR code WeChat made
// for the code's scene.
func (s *Service) SetWeChatCodeURL(ctx context.Context, m *models.Member, a *models.Account, c *FollowCode, u string) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	if c.AccountID != a.ID {
		return models.ErrNotFound
	}
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") || len(u) > 500 {
		return fmt.Errorf("wechat code url %q: not an http(s) URL", u)
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := tx.Conn(ctx).Model(&FollowCode{}).Where("id = ?", c.ID).Update("wechat_url", u).Error; err != nil {
			return fmt.Errorf("store wechat code: %w", err)
		}
		c.WeChatURL = u
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "code.wechat", "@"+a.Handle, c.Scene)
	})
}

// ChatScan counts a scan of the account's code for scene that reached it
// through a chat platform (a WeChat scene code, a Telegram link
// t.me/<bot>?start=<scene>), as a visit of the code's link counts one,
// and returns the code a follow made now came through; nil, with
// nothing counted, when the account has no such code or it has ended.
// It writes through tx, the chat turn's transaction. The scan's device
// is the channel; the person is counted once per code per ScanWindow by
// client, an opaque keyed digest the caller made of their chat address
// (as RecordScan's is of a web client's network: a bare hash of a
// Telegram chat id could be reversed by hashing every id).
func (s *Service) ChatScan(ctx context.Context, tx models.Core, accountID int64, scene, channel, client string) (*int64, error) {
	scene = strings.ToLower(strings.TrimSpace(scene))
	if !sceneRE.MatchString(scene) {
		return nil, nil
	}
	in := New(tx)
	c, err := in.FollowCodeByScene(ctx, accountID, scene)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if c.Expired(tx.Now()) {
		return nil, nil
	}
	if _, err := in.RecordScan(ctx, c.ID, channel, client); err != nil {
		return nil, err
	}
	return &c.ID, nil
}

// EnsureScans adds scans of code, by devices in turn and spread evenly
// over the period over going back from now (a minute apart when over is
// 0), until people have scanned it n times in all, and adds nothing once
// they have: the demo's posters were scanned over the weeks they were
// followed through, and running the demo again does not grow their
// counts.
func (s *Service) EnsureScans(ctx context.Context, code *FollowCode, n int, over time.Duration, devices []string) error {
	if len(devices) == 0 {
		devices = []string{"phone"}
	}
	return s.core.Tx(ctx, func(tx models.Core) error {
		var have int64
		if err := tx.Conn(ctx).Model(&Scan{}).Where("code_id = ? AND device <> ?", code.ID, DeviceBot).Count(&have).Error; err != nil {
			return fmt.Errorf("scans of code %d: %w", code.ID, err)
		}
		if int(have) >= n {
			return nil
		}
		now := tx.Now()
		step := time.Minute
		if over > 0 {
			step = over / time.Duration(n)
		}
		rows := make([]Scan, 0, n-int(have))
		for i := int(have); i < n; i++ {
			rows = append(rows, Scan{CodeID: code.ID, Device: devices[i%len(devices)], CreatedAt: now.Add(-time.Duration(n-i) * step)})
		}
		if err := tx.Conn(ctx).Create(&rows).Error; err != nil {
			return fmt.Errorf("add scans of code %d: %w", code.ID, err)
		}
		return nil
	})
}
