package models

import "context"

// FollowCodes is what the follower code needs of the follow-code domain
// (models/followcode, which owns the codes' table): the scenes of an account's codes
// (the follower filters offer them) and the scene of each code a follow
// came through (a follower's history shows it). Package models cannot
// import models/followcode, so the service is handed in
// (WithFollowCodes).
type FollowCodes interface {
	Scenes(ctx context.Context, accountID int64) ([]string, error)
	ScenesOf(ctx context.Context, codeIDs []int64) (map[int64]string, error)
}

// WithFollowCodes returns a store whose follower filters and histories
// read scenes from c.
func (s *Store) WithFollowCodes(c FollowCodes) *Store {
	n := *s
	n.codes = c
	return &n
}
