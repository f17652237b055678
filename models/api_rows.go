package models

import "context"

// The API names projects by id alone, without the account in the path
// (notices and followers too: models/notice's APINotice, models/follower's
// APIFollower). These load such a row with its account when an account of
// the member's organization owns it. A row of another
// organization is ErrNotFound, as a missing one is, so the API does not
// reveal what other organizations hold; any other failure (a database
// that does not answer) comes back as it is, so that the caller answers
// "try again" rather than telling an integration its row is gone.

// APIProject loads a project of the member's organization, with its
// account.
func (s *Store) APIProject(ctx context.Context, m *Member, id int64) (*Account, *Project, error) {
	var p Project
	a, err := s.orgRow(ctx, m, id, &p, "project", func() int64 { return p.AccountID })
	if err != nil {
		return nil, nil, err
	}
	return a, &p, nil
}

// orgRow loads the row id of dst's table into dst when its account_id is
// an account of the member's organization, and returns that account
// (accountOf reads it from the loaded row).
func (s *Store) orgRow(ctx context.Context, m *Member, id int64, dst any, what string, accountOf func() int64) (*Account, error) {
	if err := Require(m, PermView, m.OrgID()); err != nil {
		return nil, err
	}
	err := s.conn(ctx).Where("account_id IN (SELECT id FROM accounts WHERE organization_id = ?)", m.Org.ID).First(dst, id).Error
	if err != nil {
		return nil, notFound(err, what)
	}
	return s.accountByID(ctx, accountOf())
}
