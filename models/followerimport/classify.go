package followerimport

import (
	"slices"
	"time"
)

// Follower statuses: models stores followers with these, and a row of a
// follower who unsubscribed, bounced or was blocked is rejected.
const (
	StatusPending      = "pending"
	StatusActive       = "active"
	StatusUnsubscribed = "unsubscribed"
	StatusBounced      = "bounced"
	StatusBlocked      = "blocked"
)

// What importing a row does.
const (
	OutcomeNew       = "new"
	OutcomeUpdate    = "update"
	OutcomeUnchanged = "unchanged"
	OutcomeRejected  = "rejected"
)

// Outcomes lists the outcomes in the order the preview shows them.
func Outcomes() []string {
	return []string{OutcomeNew, OutcomeUpdate, OutcomeUnchanged, OutcomeRejected}
}

// Counts is the number of rows per outcome.
type Counts struct {
	Total     int `json:"total"`
	New       int `json:"new"`
	Update    int `json:"update"`
	Unchanged int `json:"unchanged"`
	Rejected  int `json:"rejected"`
}

// Of is the count of one outcome.
func (c Counts) Of(outcome string) int {
	switch outcome {
	case OutcomeNew:
		return c.New
	case OutcomeUpdate:
		return c.Update
	case OutcomeUnchanged:
		return c.Unchanged
	case OutcomeRejected:
		return c.Rejected
	}
	return c.Total
}

// Move counts a row under another outcome than planned: applying finds
// followers who changed between the classification and the write.
func (c *Counts) Move(from, to string) {
	c.add(to)
	c.Total--
	switch from {
	case OutcomeNew:
		c.New--
	case OutcomeUpdate:
		c.Update--
	case OutcomeUnchanged:
		c.Unchanged--
	case OutcomeRejected:
		c.Rejected--
	}
}

// Changes is how many followers applying creates or changes.
func (c Counts) Changes() int { return c.New + c.Update }

func (c *Counts) add(outcome string) {
	c.Total++
	switch outcome {
	case OutcomeNew:
		c.New++
	case OutcomeUpdate:
		c.Update++
	case OutcomeUnchanged:
		c.Unchanged++
	case OutcomeRejected:
		c.Rejected++
	}
}

// Result is a row with what importing it does.
type Result struct {
	Row
	Outcome string
	// Changes lists what an update changes: name, language, tags.
	Changes []string
	// Old is the follower as it is, for rows of existing followers.
	Old *Follower
}

// Follower is an existing follower as an import compares a row with it.
type Follower struct {
	ID       int64
	Name     string
	Language string
	Status   string
	Tags     []string
}

// Changed reports whether the update changes field.
func (r *Result) Changed(field string) bool { return slices.Contains(r.Changes, field) }

// Classify decides each row's outcome against the account's followers
// (existing, keyed by address) as of now. The caller loads the followers;
// this decides.
func Classify(rows []Row, existing map[string]*Follower, now time.Time) ([]Result, Counts) {
	out := make([]Result, len(rows))
	var counts Counts
	for i, row := range rows {
		r := Result{Row: row}
		if r.Reason == "" && r.Consent.After(now.Add(consentSkew)) {
			r.reject("import.reason.consent_future", r.RawConsent)
		}
		old := existing[r.Address]
		if r.Reason == "" && old != nil {
			switch old.Status {
			case StatusUnsubscribed:
				r.reject("import.reason.unsubscribed")
			case StatusBounced:
				r.reject("import.reason.bounced")
			case StatusBlocked:
				r.reject("import.reason.blocked")
			}
		}
		switch {
		case r.Reason != "":
			r.Outcome = OutcomeRejected
		case old == nil:
			r.Outcome = OutcomeNew
		default:
			r.Old = old
			if r.Name != old.Name {
				r.Changes = append(r.Changes, "name")
			}
			if r.Language != old.Language {
				r.Changes = append(r.Changes, "language")
			}
			if !slices.Equal(r.Tags, old.Tags) {
				r.Changes = append(r.Changes, "tags")
			}
			r.Outcome = OutcomeUnchanged
			if len(r.Changes) > 0 {
				r.Outcome = OutcomeUpdate
			}
		}
		counts.add(r.Outcome)
		out[i] = r
	}
	return out, counts
}
