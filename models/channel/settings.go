package channel

import (
	"context"
	"errors"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// Credentials reads the settings with every secret, for staff who may
// change them, to call the platform with (test, connect); never for a
// page. A channel never set up reads as empty, disabled settings.
func (s *Service) Credentials(ctx context.Context, m *models.Member, a *models.Account, name string) (*Settings, error) {
	if err := models.Require(m, models.PermWrite, a.OrgID()); err != nil {
		return nil, err
	}
	cs, err := s.Of(ctx, a.ID, name)
	if errors.Is(err, models.ErrNotFound) {
		return &Settings{AccountID: a.ID, Channel: name, Values: map[string]string{}}, nil
	}
	return cs, err
}

// For reads the settings for the studio page, for staff who may change
// them. The write-only credentials are never in it, and the other
// secrets only for members with PermSecrets: anyone holding them could
// forge the platform's messages.
func (s *Service) For(ctx context.Context, m *models.Member, a *models.Account, name string, sc Schema) (*Settings, error) {
	cs, err := s.Credentials(ctx, m, a, name)
	if err != nil {
		return nil, err
	}
	for _, f := range sc.Fields {
		switch {
		case !f.Secret || cs.Values[f.Name] == "":
		case f.WriteOnly:
			delete(cs.Values, f.Name)
		case !m.Can(models.PermSecrets):
			delete(cs.Values, f.Name)
			cs.SecretsWithheld = true
		}
	}
	return cs, nil
}

// Save validates and stores an account's settings for channel name. A
// secret left empty keeps the stored one; fields the schema does not
// have are dropped.
func (s *Service) Save(ctx context.Context, m *models.Member, a *models.Account, name string, sc Schema, in Settings) error {
	old, err := s.Credentials(ctx, m, a, name)
	if err != nil {
		return err
	}
	in.AccountID, in.Channel, in.Values = a.ID, name, sc.trim(in.Values)
	for _, f := range sc.Fields {
		if f.Secret && in.Values[f.Name] == "" && old.Values[f.Name] != "" {
			in.Values[f.Name] = old.Values[f.Name]
		}
	}
	var v models.ValidationError
	if sc.Validate != nil {
		sc.Validate(&in, &v)
	}
	if err := v.Err(); err != nil {
		return err
	}
	cfg, sec, err := encode(sc, in.Values)
	if err != nil {
		return fmt.Errorf("encode %s settings: %w", name, err)
	}
	sealed, err := s.seal(sec)
	if err != nil {
		return err
	}
	defer s.Forget()
	return s.core.Tx(ctx, func(tx models.Core) error {
		if err := put(ctx, tx, a.ID, name, in.Enabled, string(cfg), sealed); err != nil {
			return err
		}
		state := "off"
		if in.Enabled {
			state = "on"
		}
		return tx.Audit(ctx, m.Org.ID, m.User.ID, "channel.chat", "@"+a.Handle, name+" "+state)
	})
}
