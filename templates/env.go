// Package templates holds Plaza's templ components: layouts, public pages,
// the staff studio and the platform admin pages.
package templates

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/plazahq/plaza/i18n"
	"github.com/plazahq/plaza/models"
)

// Env is what every page needs to know about the request: the language,
// the signed-in user, the CSRF token for its forms and a one-time notice.
type Env struct {
	Lang   i18n.Lang
	User   *models.User
	CSRF   string
	Path   string
	Flash  string
	Static string // cache-busting suffix for static assets
	// Loc is the time zone times are shown in (nil: UTC).
	Loc *time.Location
	// Feed is the Atom feed the page offers, if any.
	Feed string
	// Alternates are the languages the page's content is written in, for
	// hreflang alternates (each at this address with ?lang=).
	Alternates []string
	// WebPushKey is the VAPID public key the "Get notifications in this
	// browser" button subscribes with (empty: no button).
	WebPushKey string
	// Banners are the Severe and Extreme warnings in force, shown at the
	// top of every public page; BannersChange is when that list changes
	// with the clock alone (zero: never by itself), which bounds how long
	// the page may be kept.
	Banners       []models.Alert
	BannersChange time.Time
	// BaseURL is the public site's address without a trailing slash, for
	// links that are read off the site (link previews).
	BaseURL string
	// Share is the page's link preview, if it has one.
	Share *Share
}

type envKey struct{}

// WithEnv stores env in ctx for the components to read.
func WithEnv(ctx context.Context, env *Env) context.Context {
	return context.WithValue(ctx, envKey{}, env)
}

// EnvOf returns the request's Env, or an English, anonymous one.
func EnvOf(ctx context.Context) *Env {
	if e, ok := ctx.Value(envKey{}).(*Env); ok && e != nil {
		return e
	}
	return &Env{Lang: i18n.EN}
}

func lang(ctx context.Context) i18n.Lang { return EnvOf(ctx).Lang }

func t(ctx context.Context, key string, args ...any) string {
	return i18n.T(lang(ctx), key, args...)
}

func staticURL(ctx context.Context, path string) string {
	return "/static/" + path + "?v=" + EnvOf(ctx).Static
}

// langSwitchURL is the link that switches the interface to l and comes
// back to this page.
func langSwitchURL(ctx context.Context, l i18n.Lang) string {
	return "/lang/" + string(l) + "?next=" + url.QueryEscape(EnvOf(ctx).Path)
}

func fieldErr(ctx context.Context, errs map[string]string, field string) string {
	if k, ok := errs[field]; ok {
		key, args := models.SplitKeyArgs(k)
		return t(ctx, key, args...)
	}
	return ""
}

// local is tm in the configured time zone.
func local(ctx context.Context, tm time.Time) time.Time {
	if loc := EnvOf(ctx).Loc; loc != nil {
		return tm.In(loc)
	}
	return tm.UTC()
}

func formatTime(ctx context.Context, tm time.Time) string {
	if tm.IsZero() {
		return ""
	}
	return i18n.DateTime(lang(ctx), local(ctx, tm))
}

func formatDate(ctx context.Context, tm time.Time) string {
	return i18n.Date(lang(ctx), tm)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// Pager describes one page of a list for the pagination links.
type Pager struct {
	Page    int
	Size    int
	Total   int64
	BaseURL string // path with the list's query, without page
}

// Pages is the number of pages.
func (p Pager) Pages() int {
	if p.Size <= 0 {
		return 1
	}
	n := int((p.Total + int64(p.Size) - 1) / int64(p.Size))
	if n < 1 {
		return 1
	}
	return n
}

// URL of page n.
func (p Pager) URL(n int) string {
	u, err := url.Parse(p.BaseURL)
	if err != nil {
		return p.BaseURL
	}
	q := u.Query()
	q.Set("page", strconv.Itoa(n))
	u.RawQuery = q.Encode()
	return u.String()
}

// label is a message as the label of what follows it on the same line,
// with the language's colon: "Status: " in English, "状态：" in Chinese,
// whose full-width colon carries its own space.
func label(ctx context.Context, key string, args ...any) string {
	s := t(ctx, "punct.label", t(ctx, key, args...))
	if !lang(ctx).Chinese() {
		s += " "
	}
	return s
}
