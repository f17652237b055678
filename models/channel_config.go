package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"gorm.io/gorm"
)

// ChannelWebhook is the signed webhook channel (SMS gateways, other
// systems).
const ChannelWebhook = "webhook"

// ErrNoWebhook is returned when an account has no webhook configured.
var ErrNoWebhook = errors.New("webhook not configured")

// WebhookSettings is an account's webhook as staff see it.
type WebhookSettings struct {
	Enabled bool
	URL     string
	// Secret signs every request; shown to members with PermSecrets so
	// the receiver can verify signatures.
	Secret string
	// SecretWithheld: a secret is set but left out for this member.
	SecretWithheld bool
	// SendRate is the account's own cap on messages per second.
	SendRate int
}

type channelRow struct {
	Enabled bool
	Config  string
	Secret  string
}

type webhookConfig struct {
	URL string `json:"url"`
}

func (s *Store) channelRow(ctx context.Context, accountID int64, channel string) (*channelRow, error) {
	var r channelRow
	err := s.conn(ctx).Table("account_channels").Select("enabled, config, secret").
		Where("account_id = ? AND channel = ?", accountID, channel).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("channel %s of account %d: %w", channel, accountID, err)
	}
	return &r, nil
}

// Webhook reads an account's webhook settings for its staff; the signing
// secret only for members with PermSecrets (it lets whoever holds it sign
// messages as Plaza).
func (s *Store) Webhook(ctx context.Context, m *Member, a *Account) (*WebhookSettings, error) {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	out := &WebhookSettings{SendRate: a.SendRate}
	r, err := s.channelRow(ctx, a.ID, ChannelWebhook)
	if err != nil || r == nil {
		return out, err
	}
	var c webhookConfig
	_ = json.Unmarshal([]byte(r.Config), &c)
	out.Enabled, out.URL = r.Enabled, c.URL
	if r.Secret != "" && !m.Can(PermSecrets) {
		out.SecretWithheld = true
	} else if r.Secret != "" {
		secret, err := s.openSecret(r.Secret)
		if err != nil {
			return nil, err
		}
		out.Secret = string(secret)
	}
	return out, nil
}

// WebhookInput is the webhook form.
type WebhookInput struct {
	Enabled bool
	URL     string
	// RotateSecret replaces the signing secret with a new one.
	RotateSecret bool
	SendRate     string
}

// SaveWebhook stores an account's webhook and send rate. A secret is
// generated the first time; it is stored encrypted. Only members with
// PermSecrets rotate it: no one else could read the new one to give the
// receiver.
func (s *Store) SaveWebhook(ctx context.Context, m *Member, a *Account, in WebhookInput) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	if !m.Can(PermSecrets) {
		in.RotateSecret = false
	}
	var v ValidationError
	in.URL = strings.TrimSpace(in.URL)
	if in.URL != "" {
		u, err := url.Parse(in.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(in.URL) > 2000 {
			v.Add("url", "channels.err_url")
		}
	} else if in.Enabled {
		v.Add("url", "err.required")
	}
	rate := 0
	if r := strings.TrimSpace(in.SendRate); r != "" {
		if _, err := fmt.Sscanf(r, "%d", &rate); err != nil || rate < 0 || rate > 100000 || fmt.Sprint(rate) != r {
			v.Add("send_rate", "channels.err_rate")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		r, err := tx.channelRow(ctx, a.ID, ChannelWebhook)
		if err != nil {
			return err
		}
		sealed := ""
		if r != nil {
			sealed = r.Secret
		}
		if sealed == "" || in.RotateSecret {
			raw := make([]byte, 24)
			_, _ = rand.Read(raw)
			if sealed, err = tx.sealSecret([]byte("whsec_" + hex.EncodeToString(raw))); err != nil {
				return err
			}
		}
		cfg, _ := json.Marshal(webhookConfig{URL: in.URL})
		if err := tx.conn(ctx).Exec(`INSERT INTO account_channels (account_id, channel, enabled, config, secret, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, channel)
			DO UPDATE SET enabled = excluded.enabled, config = excluded.config, secret = excluded.secret`,
			a.ID, ChannelWebhook, in.Enabled, string(cfg), sealed, tx.Now()).Error; err != nil {
			return fmt.Errorf("save webhook: %w", err)
		}
		if err := tx.conn(ctx).Model(&Account{}).Where("id = ?", a.ID).Update("send_rate", rate).Error; err != nil {
			return fmt.Errorf("save send rate: %w", err)
		}
		a.SendRate = rate
		detail := in.URL
		if in.RotateSecret {
			detail += " (new secret)"
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "channel.webhook", "@"+a.Handle, detail)
	})
}

// WebhookEndpoint is what the webhook channel sends to: the account's URL
// and its decrypted secret. It fails with ErrNoWebhook when the account
// has none enabled.
func (s *Store) WebhookEndpoint(ctx context.Context, accountID int64) (string, []byte, error) {
	r, err := s.channelRow(ctx, accountID, ChannelWebhook)
	if err != nil {
		return "", nil, err
	}
	if r == nil || !r.Enabled || r.Secret == "" {
		return "", nil, ErrNoWebhook
	}
	var c webhookConfig
	if err := json.Unmarshal([]byte(r.Config), &c); err != nil || c.URL == "" {
		return "", nil, ErrNoWebhook
	}
	secret, err := s.openSecret(r.Secret)
	if err != nil {
		return "", nil, err
	}
	return c.URL, secret, nil
}

func (s *Store) sealSecret(b []byte) (string, error) {
	if s.sealer == nil {
		return "", errors.New("seal secret: no secret key configured")
	}
	return s.sealer.Seal(b)
}

func (s *Store) openSecret(v string) ([]byte, error) {
	if s.sealer == nil {
		return nil, errors.New("open secret: no secret key configured")
	}
	b, err := s.sealer.Open(v)
	if err != nil {
		return nil, fmt.Errorf("open channel secret (was PLAZA_SECRET_KEY changed?): %w", err)
	}
	return b, nil
}

// SetAgencyID sets the account's agency id in its GTFS data, used by its
// GTFS-realtime feed (empty: the handle).
func (s *Store) SetAgencyID(ctx context.Context, m *Member, a *Account, id string) error {
	if err := Require(m, PermWrite, a.OrgID()); err != nil {
		return err
	}
	id = strings.TrimSpace(id)
	if len(id) > 100 || strings.ContainsAny(id, "\x00\r\n\t") {
		return FieldError("agency_id", "channels.err_agency_id")
	}
	if id == a.GTFSAgencyID {
		return nil
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.conn(ctx).Model(&Account{}).Where("id = ?", a.ID).Update("gtfs_agency_id", id).Error; err != nil {
			return fmt.Errorf("set agency id: %w", err)
		}
		a.GTFSAgencyID = id
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "account.agency_id", "@"+a.Handle, id)
	})
}
