package models

// OrgAccountIDs checks that member m may do p in its organization and that
// every one of accounts is the organization's, and returns their IDs: the
// organization home counts over all of them at once, and one foreign ID
// would count another organization's people.
func OrgAccountIDs(m *Member, p Permission, accounts []Account) ([]int64, error) {
	if m == nil || m.Org == nil {
		return nil, ErrNotFound
	}
	if err := Require(m, p, m.Org.ID); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(accounts))
	for i := range accounts {
		if err := Require(m, p, accounts[i].OrgID()); err != nil {
			return nil, err
		}
		ids = append(ids, accounts[i].ID)
	}
	return ids, nil
}
