package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// Tests for the follower list: filters and pagination.

func TestFollowerListFilters(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newFollowerWorld(t, dbURL)
		owner := w.client(t, models.RoleOwner)
		all := flSorted("alice@example.org", "bob@example.org", "chen@example.cn", "12345", "eve@example.org", "100%_real@example.org")
		cases := []struct {
			name  string
			query string
			want  []string
		}{
			{"no filter", "", all},
			{"channel telegram", "channel=telegram", []string{"12345"}},
			{"channel email", "channel=email", flSorted("alice@example.org", "bob@example.org", "chen@example.cn", "eve@example.org", "100%_real@example.org")},
			{"status active", "status=active", flSorted("alice@example.org", "chen@example.cn", "100%_real@example.org")},
			{"status blocked", "status=blocked", []string{"eve@example.org"}},
			{"status bounced", "status=bounced", nil},
			{"tag", "tag=line-1", flSorted("alice@example.org", "bob@example.org")},
			{"tag in capitals", "tag=NORTH", flSorted("alice@example.org", "12345")},
			{"scene", "scene=stop-1", flSorted("alice@example.org", "12345")},
			{"scene of one code", "scene=poster-9", []string{"chen@example.cn"}},
			{"date range includes its last day", "from=2025-01-15&to=2025-02-01", flSorted("bob@example.org", "chen@example.cn")},
			{"from only", "from=2025-02-01", flSorted("chen@example.cn", "12345", "eve@example.org", "100%_real@example.org")},
			{"to only", "to=2025-01-10", []string{"alice@example.org"}},
			{"one day", "from=2025-02-15&to=2025-02-15", []string{"12345"}},
			{"search name, any case", "q=ALICE", []string{"alice@example.org"}},
			{"search Chinese name", "q=" + url.QueryEscape("小明"), []string{"chen@example.cn"}},
			{"search address part", "q=example.cn", []string{"chen@example.cn"}},
			{"search wildcards literally", "q=" + url.QueryEscape("%_"), []string{"100%_real@example.org"}},
			{"search underscore literally", "q=_", []string{"100%_real@example.org"}},
			{"status and tag", "status=active&tag=north", []string{"alice@example.org"}},
			{"tag and date", "tag=line-1&from=2025-01-15", []string{"bob@example.org"}},
			{"channel and scene", "channel=email&scene=stop-1", []string{"alice@example.org"}},
			{"search and status", "q=example.org&status=active", flSorted("alice@example.org", "100%_real@example.org")},
			{"everything at once", "q=ali&channel=email&status=active&tag=north&scene=stop-1&from=2025-01-01&to=2025-01-31", []string{"alice@example.org"}},
			{"nothing matches", "tag=nobody", nil},
		}
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				res := owner.Get(w.base + "?" + tt.query)
				if res.Status != http.StatusOK {
					t.Fatalf("%s", res)
				}
				if got := w.listed(t, res.Body); strings.Join(got, " ") != strings.Join(tt.want, " ") {
					t.Fatalf("?%s lists %v; want %v", tt.query, got, tt.want)
				}
				count := fmt.Sprintf("%d followers", len(tt.want))
				if len(tt.want) == 1 {
					count = "1 follower"
				}
				if !regexp.MustCompile(`>\s*` + count + `\s*<`).MatchString(res.Body) {
					t.Fatalf("?%s does not say %d followers:\n%s", tt.query, len(tt.want), res)
				}
				if len(tt.want) == 0 && !strings.Contains(res.Body, "No follower matches these filters.") {
					t.Fatalf("?%s: no empty-result message:\n%s", tt.query, res)
				}
			})
		}

		// The status links count the whole account and keep the other
		// filters.
		res := owner.Get(w.base + "?tag=north")
		for label, n := range map[string]int{"All": 6, "Active": 3, "Pending": 1, "Unsubscribed": 1, "Bounced": 0, "Blocked": 1} {
			if !strings.Contains(res.Body, fmt.Sprintf(`%s <span class="count">%d</span>`, label, n)) {
				t.Errorf("status link %s should count %d:\n%s", label, n, res)
			}
		}
		if !strings.Contains(res.Body, `href="`+w.base+`?status=active&amp;tag=north"`) {
			t.Errorf("status links lose the tag filter:\n%s", res)
		}
		if !strings.Contains(res.Body, `href="`+w.base+`/export.csv?tag=north"`) {
			t.Errorf("the CSV link does not carry the filter:\n%s", res)
		}

		// Bad filter values get a message, not a 500.
		for _, q := range []string{"from=yesterday", "to=2025-13-40", "status=asleep", "tag=" + url.QueryEscape("no spaces!"), "from=2025-03-01&to=2025-01-01"} {
			res := owner.Get(w.base + "?" + q)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `class="field-error"`) {
				t.Errorf("?%s: %s; want 422 with a message by the field", q, res)
			}
		}
	})
}

func TestFollowerPaginationKeepsFilters(t *testing.T) {
	apptest.Each(t, func(t *testing.T, dbURL string) {
		w := newFollowerWorld(t, dbURL)
		ctx := context.Background()
		for i := 0; i < 27; i++ {
			fl, err := w.a.Followers.SeedFollower(ctx, w.f.Account.ID, "email", fmt.Sprintf("many%02d@example.org", i), "", "en", []string{"many"}, 0, "")
			if err != nil {
				t.Fatal(err)
			}
			w.ids[fl.Address] = fl.ID
		}
		owner := w.client(t, models.RoleOwner)
		res := owner.Get(w.base + "?tag=many&status=active")
		if got := w.listed(t, res.Body); len(got) != models.DefaultPageSize {
			t.Fatalf("page 1 has %d rows; want %d", len(got), models.DefaultPageSize)
		}
		next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(res.Body)
		if next == nil {
			t.Fatalf("no next link:\n%s", res)
		}
		link := strings.ReplaceAll(next[1], "&amp;", "&")
		u, _ := url.Parse(link)
		if q := u.Query(); q.Get("tag") != "many" || q.Get("status") != "active" || q.Get("page") != "2" {
			t.Fatalf("next link %q drops the filters", link)
		}
		res = owner.Get(link)
		got := w.listed(t, res.Body)
		if len(got) != 2 {
			t.Fatalf("page 2 has %v; want the 2 remaining rows", got)
		}
		for _, addr := range got {
			if !strings.HasPrefix(addr, "many") {
				t.Fatalf("page 2 shows %s, outside the filter", addr)
			}
		}
		if !strings.Contains(res.Body, "Page 2 of 2") || !strings.Contains(res.Body, "27 followers") {
			t.Fatalf("page 2 lost its position or count:\n%s", res)
		}
	})
}
