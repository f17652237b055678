package chat

import (
	"context"
	"strconv"
	"time"

	"github.com/plazahq/plaza/cache"
	"github.com/plazahq/plaza/models"
)

// Accounts is what the chat domain needs of the accounts' domain: the
// welcome messages are the account's own columns, written in the chat
// domain's transaction once it has checked the member and the text.
type Accounts interface {
	WriteChatWelcome(ctx context.Context, tx models.Core, a *models.Account, welcome map[string]string) error
}

// Channels is what the chat domain needs of the chat channels' domain:
// the endpoints platforms call keep the account, welcome message
// included, for a few seconds, and must read it again once the welcome
// changed.
type Channels interface {
	ClearChatCache()
}

// Orgs is what the chat domain needs of the organizations' domain: only
// a member of the organization may be given a conversation.
type Orgs interface {
	MemberOf(ctx context.Context, u *models.User, orgID int64) (*models.Member, error)
}

// keywordCacheTTL is how long an instance reuses an account's keyword
// list. A change made on this instance takes effect at once (the entry
// is removed); one made on another instance, within this time.
const keywordCacheTTL = 5 * time.Second

// keywordCacheSize bounds the cache; past it the least recently used
// account's list goes.
const keywordCacheSize = 10000

// Service is the chat domain; see the package comment.
type Service struct {
	core     models.Core
	accounts Accounts
	channels Channels
	orgs     Orgs
	// keywords caches each account's keyword list, which the router
	// checks every message against: a platform posting thousands of
	// messages a second then costs one lookup per account and expiry.
	// Shared by the copies with makes.
	keywords *cache.Cache[[]models.ChatKeyword]
}

// New builds the service on the shared core (store.Core in app); store
// provides the other domains today.
func New(core models.Core, accounts Accounts, channels Channels, orgs Orgs) *Service {
	return &Service{core: core, accounts: accounts, channels: channels, orgs: orgs,
		keywords: cache.New[[]models.ChatKeyword](keywordCacheSize, keywordCacheTTL)}
}

// with is the service bound to tx, for a transaction that calls the
// service's own methods.
func (s *Service) with(tx models.Core) *Service {
	c := *s
	c.core = tx
	return &c
}

func accountKey(accountID int64) string { return strconv.FormatInt(accountID, 10) }
