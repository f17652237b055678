package channel

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/plazahq/plaza/models"
)

// Webhook is the signed webhook channel (SMS gateways, other systems).
const Webhook = "webhook"

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

// webhookConfig is the webhook's config column; its secret column is
// the signing secret alone, sealed.
type webhookConfig struct {
	URL string `json:"url"`
}

// Webhook reads an account's webhook settings for its staff; the
// signing secret only for members with PermSecrets (it lets whoever
// holds it sign messages as Plaza).
func (s *Service) Webhook(ctx context.Context, m *models.Member, a *models.Account) (*WebhookSettings, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	out := &WebhookSettings{SendRate: a.SendRate}
	r, err := s.row(ctx, s.core.Conn(ctx), a.ID, Webhook)
	if err != nil || r == nil {
		return out, err
	}
	var c webhookConfig
	_ = json.Unmarshal([]byte(r.Config), &c)
	out.Enabled, out.URL = r.Enabled, c.URL
	if r.Secret != "" && !m.Can(models.PermSecrets) {
		out.SecretWithheld = true
	} else if r.Secret != "" {
		secret, err := s.open(r.Secret)
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

// maxSendRate is the highest per-second cap an account may set.
const maxSendRate = 100000

// SaveWebhook stores an account's webhook and send rate. A secret is
// generated the first time; it is stored encrypted. Only members with
// PermSecrets rotate it: no one else could read the new one to give the
// receiver.
func (s *Service) SaveWebhook(ctx context.Context, m *models.Member, a *models.Account, in WebhookInput) error {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return err
	}
	if !m.Can(models.PermSecrets) {
		in.RotateSecret = false
	}
	var v models.ValidationError
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
		if _, err := fmt.Sscanf(r, "%d", &rate); err != nil || rate < 0 || rate > maxSendRate || fmt.Sprint(rate) != r {
			v.Add("send_rate", "channels.err_rate")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	defer s.Forget()
	return s.core.Tx(ctx, func(tx models.Core) error {
		r, err := s.row(ctx, tx.Conn(ctx), a.ID, Webhook)
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
			if sealed, err = s.seal([]byte("whsec_" + hex.EncodeToString(raw))); err != nil {
				return err
			}
		}
		cfg, _ := json.Marshal(webhookConfig{URL: in.URL})
		if err := put(ctx, tx, a.ID, Webhook, in.Enabled, string(cfg), sealed); err != nil {
			return err
		}
		// The send rate is the account's column, set with its webhook on
		// one form.
		if err := tx.Conn(ctx).Model(&models.Account{}).Where("id = ?", a.ID).Update("send_rate", rate).Error; err != nil {
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

// WebhookEndpoint is what the webhook channel sends to: the account's
// URL and its decrypted secret. It fails with ErrNoWebhook when the
// account has none enabled.
func (s *Service) WebhookEndpoint(ctx context.Context, accountID int64) (string, []byte, error) {
	r, err := s.row(ctx, s.core.Conn(ctx), accountID, Webhook)
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
	secret, err := s.open(r.Secret)
	if err != nil {
		return "", nil, err
	}
	return c.URL, secret, nil
}
