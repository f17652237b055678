package followerimport_test

import (
	"strings"
	"testing"
	"time"

	"github.com/plazahq/plaza/models/followerimport"
)

// TestClassifyImport decides outcomes with no database: the rows of a file
// against the followers an account has.
func TestClassifyImport(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	rows := parse(t, importHeader+
		"new@example.org,New,en,,2024-01-01\n"+
		"same@example.org,Same,en,donor,2024-01-01\n"+
		"renamed@example.org,Renamed,zh,donor;north,2024-01-01\n"+
		"gone@example.org,Gone,en,,2024-01-01\n"+
		"bounced@example.org,Bounced,en,,2024-01-01\n"+
		"blocked@example.org,Blocked,en,,2024-01-01\n"+
		"future@example.org,Future,en,,2030-01-01\n"+
		"not an address,Bad,en,,2024-01-01\n")
	existing := map[string]*followerimport.Follower{
		"same@example.org":    {ID: 1, Name: "Same", Language: "en", Status: followerimport.StatusActive, Tags: []string{"donor"}},
		"renamed@example.org": {ID: 2, Name: "Old name", Language: "en", Status: followerimport.StatusActive, Tags: []string{"donor"}},
		"gone@example.org":    {ID: 3, Name: "Gone", Language: "en", Status: followerimport.StatusUnsubscribed},
		"bounced@example.org": {ID: 4, Name: "Bounced", Language: "en", Status: followerimport.StatusBounced},
		"blocked@example.org": {ID: 5, Name: "Blocked", Language: "en", Status: followerimport.StatusBlocked},
	}
	results, counts := followerimport.Classify(rows, existing, now)
	want := map[string]string{
		"new@example.org":     "new",
		"same@example.org":    "unchanged",
		"renamed@example.org": "update name,language,tags",
		"gone@example.org":    "rejected import.reason.unsubscribed",
		"bounced@example.org": "rejected import.reason.bounced",
		"blocked@example.org": "rejected import.reason.blocked",
		"future@example.org":  "rejected import.reason.consent_future",
	}
	if len(results) != 8 {
		t.Fatalf("%d results for 8 rows", len(results))
	}
	for _, r := range results {
		got := r.Outcome
		if r.Reason != "" {
			got += " " + r.Reason
		}
		if len(r.Changes) > 0 {
			got += " " + strings.Join(r.Changes, ",")
		}
		if w, ok := want[r.Address]; ok && got != w {
			t.Errorf("%s: %s, want %s", r.Address, got, w)
		}
		if r.Outcome == followerimport.OutcomeUpdate && r.Old == nil {
			t.Errorf("%s: an update without the follower it changes", r.Address)
		}
	}
	if last := results[7]; last.Outcome != followerimport.OutcomeRejected {
		t.Errorf("a row without an address: %+v", last)
	}
	if counts.New != 1 || counts.Update != 1 || counts.Of(followerimport.OutcomeUnchanged) != 1 || counts.Of(followerimport.OutcomeRejected) != 5 || counts.Total != 8 {
		t.Errorf("counts = %+v", counts)
	}
}
