package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/plazahq/plaza/cache"
	"github.com/plazahq/plaza/models"
)

// Accounts finds the account a platform calls for (models.Store today).
type Accounts interface {
	AccountByHandle(ctx context.Context, handle string) (*models.PublicAccount, error)
}

// Service is the channel-settings domain; see the package comment.
type Service struct {
	core     models.Core
	sealer   models.Sealer
	accounts Accounts
	cache    *settingsCache
}

// New builds the service on the shared core, sealing secrets with sealer.
func New(core models.Core, sealer models.Sealer, accounts Accounts) *Service {
	return &Service{core: core, sealer: sealer, accounts: accounts, cache: newSettingsCache()}
}

// cacheTTL is how long an instance reuses what it read of an account's
// channel settings. A change made on this instance takes effect at once
// (the cache is cleared); one made on another instance, within this time.
const cacheTTL = 5 * time.Second

// cacheSize bounds each cache; past it the least recently used entry goes.
const cacheSize = 10000

// settingsCache keeps what the chat paths read for every message: the
// account and decrypted settings behind an endpoint a platform calls,
// and the credentials the sending channels use. A platform posting
// thousands of messages a second, or a broadcast to thousands of
// followers, then costs no lookups and decryptions for each.
type settingsCache struct {
	endpoints *cache.Cache[endpoint]
	// settings holds nil for a channel the account has not set up.
	settings *cache.Cache[*Settings]
}

type endpoint struct {
	account  models.Account
	settings Settings
}

func newSettingsCache() *settingsCache {
	return &settingsCache{endpoints: cache.New[endpoint](cacheSize, cacheTTL), settings: cache.New[*Settings](cacheSize, cacheTTL)}
}

// Forget empties the caches: a change to an account (its name, which the
// endpoints answer with) or its settings takes effect at once here.
func (s *Service) Forget() {
	s.cache.endpoints.Purge()
	s.cache.settings.Purge()
}

type row struct {
	Enabled bool
	Config  string
	Secret  string
}

func (s *Service) row(ctx context.Context, db *gorm.DB, accountID int64, name string) (*row, error) {
	var r row
	err := db.Table("account_channels").Select("enabled, config, secret").
		Where("account_id = ? AND channel = ?", accountID, name).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("channel %s of account %d: %w", name, accountID, err)
	}
	return &r, nil
}

// put writes a row as it is (validated by the caller).
func put(ctx context.Context, tx models.Core, accountID int64, name string, enabled bool, config, sealed string) error {
	err := tx.Conn(ctx).Exec(`INSERT INTO account_channels (account_id, channel, enabled, config, secret, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, channel)
		DO UPDATE SET enabled = excluded.enabled, config = excluded.config, secret = excluded.secret`,
		accountID, name, enabled, config, sealed, tx.Now()).Error
	if err != nil {
		return fmt.Errorf("save %s settings: %w", name, err)
	}
	return nil
}

func (s *Service) seal(b []byte) (string, error) {
	if s.sealer == nil {
		return "", errors.New("seal secret: no secret key configured")
	}
	return s.sealer.Seal(b)
}

func (s *Service) open(v string) ([]byte, error) {
	if s.sealer == nil {
		return nil, errors.New("open secret: no secret key configured")
	}
	b, err := s.sealer.Open(v)
	if err != nil {
		return nil, fmt.Errorf("open channel secret (was PLAZA_SECRET_KEY changed?): %w", err)
	}
	return b, nil
}

// decode reads a row's config and opened secrets into values. A secret
// that is not a JSON object is one secret on its own, read as "secret"
// (the webhook's signing secret is stored that way).
func decode(r *row, opened []byte) (map[string]string, error) {
	out := map[string]string{}
	var cfg map[string]any
	if r.Config != "" {
		if err := json.Unmarshal([]byte(r.Config), &cfg); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	for k, v := range cfg {
		switch v := v.(type) {
		case string:
			out[k] = v
		case bool:
			if v {
				out[k] = "true"
			}
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	if len(opened) > 0 {
		var sec map[string]string
		if json.Unmarshal(opened, &sec) != nil {
			out["secret"] = string(opened)
		}
		for k, v := range sec {
			out[k] = v
		}
	}
	return out, nil
}

// encode splits values into the config JSON and the secrets JSON, in
// the shapes Plaza has always stored (empty values left out).
func encode(sc Schema, values map[string]string) (config, secret []byte, err error) {
	cfg, sec := map[string]any{}, map[string]string{}
	for _, f := range sc.Fields {
		v := values[f.Name]
		switch {
		case v == "":
		case f.Secret:
			sec[f.Name] = v
		case f.Kind == Bool:
			cfg[f.Name] = v == "true"
		default:
			cfg[f.Name] = v
		}
	}
	if config, err = json.Marshal(cfg); err != nil {
		return nil, nil, err
	}
	secret, err = json.Marshal(sec)
	return config, secret, err
}

// Of reads an account's settings for a channel, with its secrets
// opened: for the bridge, which checks and answers the platform's calls.
// ErrNotFound when none are saved.
func (s *Service) Of(ctx context.Context, accountID int64, name string) (*Settings, error) {
	r, err := s.row(ctx, s.core.Conn(ctx), accountID, name)
	if err != nil {
		return nil, err
	}
	if r == nil || r.Config == "" {
		return nil, models.ErrNotFound
	}
	var opened []byte
	if r.Secret != "" {
		if opened, err = s.open(r.Secret); err != nil {
			return nil, err
		}
	}
	values, err := decode(r, opened)
	if err != nil {
		return nil, fmt.Errorf("%s settings of account %d: %w", name, accountID, err)
	}
	return &Settings{AccountID: accountID, Channel: name, Enabled: r.Enabled, Values: values}, nil
}

// Cached is Of through the cache, for the channels that send: a
// broadcast to thousands of followers needs the account's credentials
// once, not once a message. A copy is returned.
func (s *Service) Cached(ctx context.Context, accountID int64, name string) (*Settings, error) {
	cs, err := s.cache.settings.Get(ctx, strconv.FormatInt(accountID, 10)+"/"+name, func(ctx context.Context) (*Settings, error) {
		cs, err := s.Of(ctx, accountID, name)
		if errors.Is(err, models.ErrNotFound) {
			return nil, nil
		}
		return cs, err
	})
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return nil, models.ErrNotFound
	}
	return cs.Clone(), nil
}

// errChannelOff is an endpoint whose channel the account has not enabled.
var errChannelOff = errors.New("channel not enabled")

// Endpoint returns the account with handle and its enabled settings for
// channel name, as the endpoint a platform calls needs them. ErrNotFound
// when there is no such account or the channel is not enabled.
func (s *Service) Endpoint(ctx context.Context, handle, name string) (*models.Account, *Settings, error) {
	e, err := s.cache.endpoints.Get(ctx, name+"/"+handle, func(ctx context.Context) (endpoint, error) {
		pa, err := s.accounts.AccountByHandle(ctx, handle)
		if err != nil {
			return endpoint{}, err
		}
		cs, err := s.Of(ctx, pa.Account.ID, name)
		if err != nil {
			return endpoint{}, err
		}
		if !cs.Enabled {
			return endpoint{}, errors.Join(models.ErrNotFound, errChannelOff)
		}
		return endpoint{account: pa.Account, settings: *cs}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	a := e.account
	return &a, e.settings.Clone(), nil
}
