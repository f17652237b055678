package models

import "context"

// The API names notices, projects and followers by id alone, without the
// account in the path. These load such a row with its account when an
// account of the member's organization owns it. A row of another
// organization is ErrNotFound, as a missing one is, so the API does not
// reveal what other organizations hold; any other failure (a database
// that does not answer) comes back as it is, so that the caller answers
// "try again" rather than telling an integration its row is gone.

// APINotice loads a notice of the member's organization, with its account.
func (s *Store) APINotice(ctx context.Context, m *Member, id int64) (*Account, *Notice, error) {
	var n Notice
	a, err := s.orgRow(ctx, m, id, &n, "notice", func() int64 { return n.AccountID })
	if err != nil {
		return nil, nil, err
	}
	return a, &n, nil
}

// APIFollower loads a follower of the member's organization with its tags,
// and its account.
func (s *Store) APIFollower(ctx context.Context, m *Member, id int64) (*Account, *Follower, error) {
	var f Follower
	a, err := s.orgRow(ctx, m, id, &f, "follower", func() int64 { return f.AccountID })
	if err != nil {
		return nil, nil, err
	}
	if f.Tags, err = s.tagsOf(ctx, f.ID); err != nil {
		return nil, nil, err
	}
	return a, &f, nil
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
