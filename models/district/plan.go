package district

import (
	"context"
	"fmt"

	"github.com/plazahq/plaza/area"
	"github.com/plazahq/plaza/models"
)

// Dropped is what importing data with replace would delete: the
// organization's districts whose codes the file lacks, by name. A bad
// file comes back as the *area.Problem Import would return; nothing is
// written.
func (s *Service) Dropped(ctx context.Context, m *models.Member, orgID int64, data []byte) ([]models.District, error) {
	if err := models.Require(m, models.PermManageSettings, orgID); err != nil {
		return nil, err
	}
	ds, err := area.ParseDistricts(data)
	if err != nil {
		return nil, err
	}
	codes := make([]string, 0, len(ds))
	for _, d := range ds {
		codes = append(codes, d.Code)
	}
	var out []models.District
	if err := s.core.Conn(ctx).Select("id", "organization_id", "code", "name", "translations").
		Where("organization_id = ? AND code NOT IN ?", orgID, codes).Order("name, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("districts not in the file: %w", err)
	}
	return out, nil
}

// MaxFileBytes is the largest districts file the studio takes.
const MaxFileBytes = 5 << 20
