// Package pagecache keeps rendered public pages (an account's page, a
// notice, the directory...) so that a page read by many people is built
// once per change instead of once per reader.
//
// Correctness across instances rests on one number in the database,
// page_versions.version, which triggers bump in the same transaction as
// every change to what public pages show (migration 00028). A page is kept
// under the version read before it was built, and served only while the
// version is still the same. Each instance re-reads the version at most
// every Poll (a query of one row by primary key, whatever the load), and at
// once after it handled a change itself (Changed): so a change committed on
// any instance, by staff, the API or a job, reaches every instance's readers
// within Poll, and the reader who made it through this instance at once.
//
// Pages that change with time alone (an alert past its expiry before the
// expiry job runs, "in force" lists) are also kept for at most TTL, and a
// page whose change is known in advance (the warning banner every public
// page shows ends or begins) no longer than that time (Put's changes).
package pagecache

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

const (
	// DefaultPoll bounds how long an instance may serve a page after
	// another instance (or a job) committed a change to it. A quarter of a
	// second is far below what a reader notices and costs four one-row
	// queries a second per instance.
	DefaultPoll = 250 * time.Millisecond
	// DefaultTTL bounds how long a page is kept without any change in the
	// database, for what changes with the clock alone.
	DefaultTTL = 10 * time.Second
	// DefaultSize is how many pages are kept: a page is a few KB, so
	// 2,000 take under 20 MB at most.
	DefaultSize = 2000
)

// Page is one rendered response.
type Page struct {
	Status      int
	ContentType string
	Body        []byte
	// Length is len(Body) in decimal, for Content-Length.
	Length string
	// ETag is a strong validator of Body (its SHA-256).
	ETag string
	// Built is when the page was rendered; Modified is it in HTTP's
	// format, for Last-Modified.
	Built    time.Time
	Modified string

	version int64
	until   time.Time
}

// Options size the cache; zero values take the defaults.
type Options struct {
	Poll time.Duration
	TTL  time.Duration
	Size int
}

// Cache keeps rendered pages under the content version they were built at.
type Cache struct {
	db   *sql.DB
	poll time.Duration
	ttl  time.Duration
	lru  *lru.Cache[string, *Page]
	now  func() time.Time

	// version is the last version read, at checkedAt (UnixNano; 0: never),
	// begun when changes was checkedGen. changes counts Changed calls: a
	// read begun before the latest one may have missed its change.
	version    atomic.Int64
	checkedAt  atomic.Int64
	checkedGen atomic.Int64
	changes    atomic.Int64
	reading    sync.Mutex
}

// New makes a cache reading the version through db (the read pool).
func New(db *sql.DB, o Options) *Cache {
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Size <= 0 {
		o.Size = DefaultSize
	}
	l, err := lru.New[string, *Page](o.Size)
	if err != nil {
		panic(fmt.Sprintf("pagecache.New: %v", err))
	}
	return &Cache{db: db, poll: o.Poll, ttl: o.TTL, lru: l, now: time.Now}
}

// Version is the content version to build and look pages up under. It
// reads the database when the last read is older than Poll, or began
// before a change made here that was known when this call came. A read
// for age alone is made by one request while the others go on with the
// version known (still within the bound); after a change made here, the
// requests that came after it wait for one read begun after it, and share
// it.
func (c *Cache) Version(ctx context.Context) (int64, error) {
	want := c.changes.Load()
	if v, ok := c.fresh(want); ok {
		return v, nil
	}
	if c.checkedAt.Load() != 0 && c.checkedGen.Load() >= want {
		if !c.reading.TryLock() {
			return c.version.Load(), nil
		}
	} else {
		c.reading.Lock()
		if v, ok := c.fresh(want); ok {
			c.reading.Unlock()
			return v, nil
		}
	}
	defer c.reading.Unlock()
	gen, began := c.changes.Load(), c.now().UnixNano()
	var v int64
	if err := c.db.QueryRowContext(ctx, `SELECT version FROM page_versions WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("page version: %w", err)
	}
	// In this order: whoever sees the new checkedGen sees this version.
	c.version.Store(v)
	c.checkedAt.Store(began)
	c.checkedGen.Store(gen)
	return v, nil
}

// fresh is the version known, if it was read within Poll by a read begun
// after the want'th change made here.
func (c *Cache) fresh(want int64) (int64, bool) {
	at := c.checkedAt.Load()
	if at == 0 || c.checkedGen.Load() < want || c.now().UnixNano()-at >= int64(c.poll) {
		return 0, false
	}
	return c.version.Load(), true
}

// Changed makes the next Version read the database: this instance has
// just handled a request that may have changed what pages show.
func (c *Cache) Changed() { c.changes.Add(1) }

// Get returns the page kept for key if it was built at version and is
// not past its TTL.
func (c *Cache) Get(key string, version int64) (*Page, bool) {
	p, ok := c.lru.Get(key)
	if !ok || p.version != version || !c.now().Before(p.until) {
		return nil, false
	}
	return p, true
}

// Put keeps a page built at version under key and returns it with its
// ETag and Built set. The page is served until TTL, or until changes if
// that is sooner: when what it shows changes with the clock alone, at a
// known time (a warning in its banner expires, another comes into force),
// with no change in the database to bump the version. A zero changes
// means none is known.
func (c *Cache) Put(key string, version int64, status int, contentType string, body []byte, changes time.Time) *Page {
	sum := sha256.Sum256(body)
	now := c.now()
	until := now.Add(c.ttl)
	if !changes.IsZero() && changes.Before(until) {
		until = changes
	}
	p := &Page{Status: status, ContentType: contentType, Body: body, Length: strconv.Itoa(len(body)),
		ETag:  `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`,
		Built: now.UTC().Truncate(time.Second), version: version, until: until}
	p.Modified = p.Built.Format(http.TimeFormat)
	c.lru.Add(key, p)
	return p
}

// Len is how many pages are kept.
func (c *Cache) Len() int { return c.lru.Len() }
