package gtfs_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestServiceAnswersOneRule holds the GTFS services that act for a member
// to Require's rule: outsiders get ErrNotFound, a role without the
// permission ErrForbidden, before the file is read.
func TestServiceAnswersOneRule(t *testing.T) {
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		s, acc := a.GTFS, f.Account
		good := feedZip(t, goodFiles())
		calls := []apptest.Gated{
			{Name: "Import", Perm: models.PermWrite, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.Import(ctx, m, acc, "feed.zip", bytes.NewReader(good), int64(len(good)))
				return err
			}},
			{Name: "Feed", Perm: models.PermView, Call: func(ctx context.Context, m *models.Member) error {
				_, err := s.Feed(ctx, m, acc)
				return err
			}},
		}
		apptest.AnswersOneRule(t, f, calls)
	})
}
