package models

import (
	"context"
	"strconv"
	"time"

	"github.com/plazahq/plaza/cache"
)

// chatCacheTTL is how long an instance reuses what it read of an
// account's keywords. A change made on this instance takes effect at
// once (the cache is cleared); one made on another instance, within this
// time.
const chatCacheTTL = 5 * time.Second

// chatCacheSize bounds each cache; past it the least recently used
// entry goes.
const chatCacheSize = 10000

// chatCache keeps the keyword list the router checks for every message:
// a platform posting thousands of messages a second then costs no
// lookups for each, and one lookup when an entry expires.
type chatCache struct {
	keywords *cache.Cache[[]ChatKeyword]
}

func newChatCache() *chatCache {
	return &chatCache{keywords: cache.New[[]ChatKeyword](chatCacheSize, chatCacheTTL)}
}

func (c *chatCache) clear() {
	if c == nil {
		return
	}
	c.keywords.Purge()
}

// CachedChatKeywords is ChatKeywords through the cache, for the router,
// which checks every message against them. The list is shared: read it,
// do not change it.
func (s *Store) CachedChatKeywords(ctx context.Context, accountID int64) ([]ChatKeyword, error) {
	return s.chat.keywords.Get(ctx, strconv.FormatInt(accountID, 10), func(ctx context.Context) ([]ChatKeyword, error) {
		return s.ChatKeywords(ctx, accountID)
	})
}
