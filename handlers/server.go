// Package handlers is Plaza's HTTP layer: one file per area, each with a
// small struct holding that area's dependencies and one function that
// registers all its routes.
package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plazahq/plaza/bridge"
	"github.com/plazahq/plaza/broadcast"
	"github.com/plazahq/plaza/feeds"
	"github.com/plazahq/plaza/mailer"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/alertsource"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/channel"
	"github.com/plazahq/plaza/models/chat"
	"github.com/plazahq/plaza/models/district"
	"github.com/plazahq/plaza/models/followcode"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/gtfs"
	"github.com/plazahq/plaza/models/media"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/models/org"
	"github.com/plazahq/plaza/models/project"
	"github.com/plazahq/plaza/models/testchat"
	"github.com/plazahq/plaza/pagecache"
	"github.com/plazahq/plaza/static"
)

// Config is the part of Plaza's configuration the HTTP layer needs.
type Config struct {
	// BaseURL is the public address, used in links that leave the site
	// (invite links, later QR codes and e-mails).
	BaseURL string
	// SecureCookies marks cookies Secure; on whenever BaseURL is https.
	SecureCookies bool
	// LoginLimit is the number of failed sign-ins allowed for one address
	// from one client before that pair is locked (see loginBackoff).
	LoginLimit int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the client. Without any, the connecting address is the client:
	// a header anyone can send must not decide rate limits.
	TrustedProxies []*net.IPNet
	// Location is the time zone staff enter and read times in (nil: UTC).
	Location *time.Location
	// TileURL is the map tile server template; empty shows no map.
	TileURL string
	// MetricsToken is the bearer token that opens /metrics; empty: the
	// public listener does not serve it.
	MetricsToken string
	// WebPushKey is the VAPID public key browsers subscribe with (empty:
	// no browser notifications).
	WebPushKey string
	// WebPushHTTP accepts push endpoints on plain http, for a local push
	// service the operator allowed (tests); browsers' are https.
	WebPushHTTP bool
	// BridgeInFlight bounds the chat platforms' callbacks handled at once
	// (at least 1); BridgeTimeout bounds the work of one (none when 0).
	BridgeInFlight int
	BridgeTimeout  time.Duration
}

// Deps is everything the handlers need, built once in main.
type Deps struct {
	Store *models.Store
	// APITokens manages API tokens and authenticates API requests.
	APITokens *apitoken.Service
	// Media stores uploaded files (avatars, projects' and notices' files) and decides
	// who may fetch them.
	Media *media.Service
	// Projects keeps projects, their consultations and the answers.
	Projects *project.Service
	// AlertSources shows and edits an account's alert feed.
	AlertSources *alertsource.Service
	// FollowCodes makes and counts follow QR codes.
	FollowCodes *followcode.Service
	// TestChats are the staff's own chats "send me a test" can go to.
	TestChats *testchat.Service
	// GTFS keeps transit accounts' GTFS static routes and stops.
	GTFS *gtfs.Service
	// Districts keeps organizations' districts and turns areas into
	// audiences.
	Districts *district.Service
	// Chats is the staff inbox and the keyword and welcome replies.
	Chats *chat.Service
	// Notices writes, publishes and ends notices and reads them for the
	// public pages, the feeds and the API.
	Notices *notice.Service
	// Orgs manages organizations, staff and invites, and signs users in.
	Orgs *org.Service
	// Accounts creates, edits and loads official accounts and lists the
	// public directory.
	Accounts *account.Service
	// Followers is the followers' domain: the follow page, the studio's
	// follower list and imports, the API's followers.
	Followers *follower.Service
	// Broadcasts watches, retries and cancels broadcasts.
	Broadcasts *broadcast.Service
	Ready      func(context.Context) error
	Logger     *slog.Logger
	Registry   *prometheus.Registry
	Links      *mailer.Links
	// Router handles inbound chat messages (nil: no bridge endpoints).
	Router Router
	// Channels are the registered channels: their inbound endpoints are
	// mounted, their settings forms shown, staff replies sent with them.
	Channels *bridge.Registry
	// ChannelSettings stores the channels' settings.
	ChannelSettings *channel.Service
	// Pages keeps anonymous readers' public pages (nil: none kept).
	Pages  *pagecache.Cache
	Config Config
}

// server holds what the middleware and error handler share.
type server struct {
	store         *models.Store
	orgs          *org.Service
	log           *slog.Logger
	cfg           Config
	staticVersion string
	metrics       *httpMetrics
	guard         *formGuard
	pages         *pagecache.Cache
	banners       *banners
}

// New builds the echo application with every route.
func New(d Deps) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &server{
		store:         d.Store,
		orgs:          d.Orgs,
		log:           d.Logger,
		cfg:           d.Config,
		staticVersion: assetVersion(static.FS),
		metrics:       newHTTPMetrics(d.Registry),
		guard:         newFormGuard(d.Links.Signer, d.Config.BaseURL),
		pages:         d.Pages,
		banners:       &banners{notices: d.Notices, pages: d.Pages, now: d.Store.Now},
	}
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(d.Config.TrustedProxies)
	// logRequests comes first so that it also logs what recoverPanic
	// turns a panic into.
	e.Use(s.logRequests, s.recoverPanic, securityHeaders(d.Config.TileURL), s.keptPages, s.limitBody, s.pageEnv, s.publicPages)

	registerHealth(e, d.Ready, d.Registry, d.Config.MetricsToken)
	registerStatic(e)
	registerPublic(e, &public{store: d.Store, notices: d.Notices, accounts: d.Accounts, files: d.Media, channels: d.ChannelSettings, projects: d.Projects})
	registerPublicNotices(e, &publicNotices{store: d.Store, notices: d.Notices, accounts: d.Accounts, districts: d.Districts, broadcasts: d.Broadcasts, tileURL: d.Config.TileURL, channels: d.ChannelSettings, media: d.Media})
	registerPublicProjects(e, &publicProjects{answering: newConsultations(d.Pages, d.Projects), store: d.Store, accounts: d.Accounts, projects: d.Projects, media: d.Media, links: d.Links, tileURL: d.Config.TileURL, districts: d.Districts})
	registerAPI(e, &apiArea{store: d.Store, notices: d.Notices, accounts: d.Accounts, followers: d.Followers, projects: d.Projects, tokens: d.APITokens, broadcasts: d.Broadcasts, baseURL: strings.TrimRight(d.Config.BaseURL, "/"), gtfs: d.GTFS, media: d.Media})
	registerFeeds(e, &feedArea{store: d.Store, notices: d.Notices, accounts: d.Accounts, broadcasts: d.Broadcasts, districts: d.Districts, media: d.Media, site: feeds.Site{BaseURL: strings.TrimRight(d.Config.BaseURL, "/")}})
	if d.Router != nil {
		registerBridge(e, &bridgeArea{store: d.Store, accounts: d.Accounts, settings: d.ChannelSettings, router: d.Router, log: d.Logger,
			limit: newBridgeLimit(d.Config.BridgeInFlight, d.Config.BridgeTimeout, d.Registry)}, d.Channels)
	}
	registerWebPush(e, newPublicAccountRoutes(e, d.Accounts), &webPush{followers: d.Followers, channels: d.ChannelSettings, districts: d.Districts, codes: d.FollowCodes, store: d.Store, key: d.Config.WebPushKey, allowHTTP: d.Config.WebPushHTTP})
	registerFollow(e, &follow{store: d.Store, accounts: d.Accounts, followers: d.Followers, channels: d.ChannelSettings, codes: d.FollowCodes, links: d.Links, districts: d.Districts, tileURL: d.Config.TileURL})
	registerAuth(e, &authArea{store: d.Store, orgs: d.Orgs, cfg: d.Config, log: d.Logger})
	registerStudio(e, &studio{store: d.Store, notices: d.Notices, tokens: d.APITokens, media: d.Media, projects: d.Projects, feeds: d.AlertSources, codes: d.FollowCodes, testChats: d.TestChats, gtfs: d.GTFS, districts: d.Districts, tileURL: d.Config.TileURL, chats: d.Chats, orgs: d.Orgs, accounts: d.Accounts, followers: d.Followers, broadcasts: d.Broadcasts, baseURL: d.Config.BaseURL, links: d.Links, loc: d.Config.Location, chat: chatChannels(d.Channels), channels: d.Channels, channelSettings: d.ChannelSettings, log: d.Logger})
	registerAdmin(e, &admin{orgs: d.Orgs, baseURL: d.Config.BaseURL})
	return e
}

// chatChannels are the registered channels by name.
func chatChannels(r *bridge.Registry) map[string]bridge.Channel {
	out := map[string]bridge.Channel{}
	if r != nil {
		for _, c := range r.Channels() {
			out[c.Name()] = c
		}
	}
	return out
}

// render writes a templ component with the given status.
func render(c echo.Context, status int, comp templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return comp.Render(c.Request().Context(), c.Response())
}

// redirect answers a successful form post with 303 See Other so a reload
// does not post again, optionally with a one-time notice.
func redirect(c echo.Context, to, flashKey string) error {
	if flashKey != "" {
		setFlash(c, flashKey)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// assetVersion hashes the embedded static files so their URLs change when
// they do and can be cached for a long time.
func assetVersion(fsys fs.FS) string {
	h := sha256.New()
	_ = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// safeNext keeps a post-login or language-switch redirect on this site.
// Browsers drop tabs and line breaks from URLs, so "/\t/evil.example"
// would become "//evil.example": any control character is refused.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) ||
		strings.IndexFunc(next, unicode.IsControl) >= 0 {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

func ipExtractor(proxies []*net.IPNet) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		opts = append(opts, echo.TrustIPRange(p))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
