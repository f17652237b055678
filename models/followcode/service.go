package followcode

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/models"
)

// Service is the follow-code domain; see the package comment.
type Service struct {
	core models.Core
}

// New builds the service on the shared core (store.Core in app).
func New(core models.Core) *Service { return &Service{core: core} }

// Scenes lists the scenes of an account's codes, in order, for the
// follower filters (models.FollowCodes).
func (s *Service) Scenes(ctx context.Context, accountID int64) ([]string, error) {
	var out []string
	if err := s.core.Conn(ctx).Model(&FollowCode{}).Where("account_id = ?", accountID).Order("scene").
		Pluck("scene", &out).Error; err != nil {
		return nil, fmt.Errorf("scenes: %w", err)
	}
	return out, nil
}

// ScenesOf maps code ids to their scenes, for a follower's history
// (models.FollowCodes); an id with no code is left out.
func (s *Service) ScenesOf(ctx context.Context, codeIDs []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(codeIDs))
	if len(codeIDs) == 0 {
		return out, nil
	}
	var codes []FollowCode
	if err := s.core.Conn(ctx).Select("id", "scene").Where("id IN ?", codeIDs).Find(&codes).Error; err != nil {
		return nil, fmt.Errorf("scenes of codes: %w", err)
	}
	for _, c := range codes {
		out[c.ID] = c.Scene
	}
	return out, nil
}
