package models

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/plazahq/plaza/cache"
)

// chatCacheTTL is how long an instance reuses what it read of an
// account's chat setup. A change made on this instance takes effect at
// once (the cache is cleared); one made on another instance, within this
// time.
const chatCacheTTL = 5 * time.Second

// chatCacheSize bounds each cache; past it the least recently used
// entry goes.
const chatCacheSize = 10000

// chatCache keeps what the chat paths read for every message: the
// account and decrypted settings behind an endpoint a platform calls,
// and the credentials the sending channels use (models/chat caches the
// keyword list the router checks). A platform posting thousands of
// messages a second, or a broadcast to thousands of followers, then costs
// no lookups and decryptions for each, and one lookup when an entry
// expires.
type chatCache struct {
	endpoints *cache.Cache[chatEndpoint]
	// settings holds nil for a platform the account has not set up.
	settings *cache.Cache[*ChatSettings]
}

type chatEndpoint struct {
	account  Account
	settings ChatSettings
}

func newChatCache() *chatCache {
	return &chatCache{
		endpoints: cache.New[chatEndpoint](chatCacheSize, chatCacheTTL),
		settings:  cache.New[*ChatSettings](chatCacheSize, chatCacheTTL),
	}
}

func (c *chatCache) clear() {
	if c == nil {
		return
	}
	c.endpoints.Purge()
	c.settings.Purge()
}

// CachedChatSettings is ChatSettingsOf through the cache, for the channels
// that send: a broadcast to thousands of followers needs the account's
// credentials once, not once a message. A copy is returned.
func (s *Store) CachedChatSettings(ctx context.Context, accountID int64, channel string) (*ChatSettings, error) {
	cs, err := s.chat.settings.Get(ctx, strconv.FormatInt(accountID, 10)+"/"+channel, func(ctx context.Context) (*ChatSettings, error) {
		cs, err := s.ChatSettingsOf(ctx, accountID, channel)
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return cs, err
	})
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return nil, ErrNotFound
	}
	c := *cs
	return &c, nil
}

// errChannelOff is an endpoint whose platform the account has not
// enabled.
var errChannelOff = errors.New("channel not enabled")

// ChatEndpoint returns the account with handle and its enabled settings
// for channel, as the endpoint a platform calls needs them. ErrNotFound
// when there is no such account or the channel is not enabled.
func (s *Store) ChatEndpoint(ctx context.Context, handle, channel string) (*Account, *ChatSettings, error) {
	e, err := s.chat.endpoints.Get(ctx, channel+"/"+handle, func(ctx context.Context) (chatEndpoint, error) {
		pa, err := s.accounts.AccountByHandle(ctx, handle)
		if err != nil {
			return chatEndpoint{}, err
		}
		cs, err := s.ChatSettingsOf(ctx, pa.Account.ID, channel)
		if err != nil {
			return chatEndpoint{}, err
		}
		if !cs.Enabled {
			return chatEndpoint{}, errors.Join(ErrNotFound, errChannelOff)
		}
		return chatEndpoint{account: pa.Account, settings: *cs}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	return &e.account, &e.settings, nil
}
