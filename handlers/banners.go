package handlers

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/pagecache"
)

// banners keeps the Severe and Extreme warnings in force that every public
// page shows at its top. They are read once per content version (the page
// cache's) and again when the clock reaches the next change notice.Banners
// announced, so the lookup on every page is a version check, not a query.
type banners struct {
	notices *notice.Service
	pages   *pagecache.Cache
	now     func() time.Time

	mu      sync.Mutex
	read    bool
	version int64
	list    []models.Alert
	next    time.Time
}

// At returns the warnings in force now and when that changes with the
// clock alone (zero: not by itself).
func (b *banners) At(ctx context.Context) ([]models.Alert, time.Time, error) {
	if b == nil || b.notices == nil {
		return nil, time.Time{}, nil
	}
	now := b.now()
	if b.pages == nil {
		return b.notices.Banners(ctx, now)
	}
	// The version is read before the warnings: what they show is at
	// least as new as the version they are kept under.
	v, err := b.pages.Version(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.read && b.version == v && (b.next.IsZero() || now.Before(b.next)) {
		return b.list, b.next, nil
	}
	list, next, err := b.notices.Banners(ctx, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	b.read, b.version, b.list, b.next = true, v, list, next
	return list, next, nil
}

// bannerPage reports whether a request to path may render a page a
// citizen sees: everything but the staff's pages, the machines' endpoints
// and files.
func bannerPage(path string) bool {
	for _, p := range []string{"/studio", "/admin", "/api/", "/bridge/", "/static/", "/media/", "/healthz", "/readyz", "/metrics", "/sw.js", "/webpush"} {
		if strings.HasPrefix(path, p) {
			return false
		}
	}
	return true
}
