package follower_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
)

// asTable matches a table's name where SQL or gorm takes it as one, like
// apptest.NamedAsTable, but not in comments, message keys or field
// paths: "followers" and "imports" are everyday words here (the studio's
// pages and their message keys "followers.title", h.followers, a comment
// saying broadcast's claims join followers, the HTML class "table
// followers").
func asTable(name string) *regexp.Regexp {
	q := regexp.QuoteMeta(name)
	return regexp.MustCompile(`(?m)^[^/\n]*?(?:(?i:\b(?:from|join|into|update|table))\s+"?` + q + `(?:[\s("]|$)|Table\("` + q +
		`\b|[\s(,=]` + q + `\.[a-z_]|"` + q + `\.[a-z_]+[^a-z_"])`)
}

// TestOnlyThisPackageNamesItsTables keeps the domain's ownership honest
// for imports, which nothing else names. broadcast/ may name the
// domain's tables: its claim queries join followers with deliveries in
// one statement. follow_events is left out: models/followcode counts it
// per code.
func TestOnlyThisPackageNamesItsTables(t *testing.T) {
	apptest.OnlyPackageNamesTables(t, "models/follower", map[string]*regexp.Regexp{
		"imports": asTable("imports"),
	}, "broadcast")
}

// pendingReaders are the files outside this package that still name
// followers or follower_tags, each in a domain being moved out of
// package models at the same time as this one: when it has moved, it
// reaches followers through this package's service and leaves this list.
var pendingReaders = map[string]string{
	"models/chat/messages.go": "LoadChatState joins the follower of a conversation (the chat domain)",
	"models/chat/inbox.go":    "the inbox's follower names, joined in its list query (the chat domain)",
}

// TestFollowersNamedOnlyHere is TestOnlyThisPackageNamesItsTables for
// followers and follower_tags, with the files of pendingReaders let
// through; a file of that list that no longer names them must leave it.
func TestFollowersNamedOnlyHere(t *testing.T) {
	tables := map[string]*regexp.Regexp{"followers": asTable("followers"), "follower_tags": asTable("follower_tags")}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	skip := map[string]bool{"models/follower": true, "migrations": true, "bench": true, "broadcast": true}
	seen := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if skip[rel] || (rel != "." && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for table, re := range tables {
			if !re.Match(b) {
				continue
			}
			if _, ok := pendingReaders[rel]; ok {
				seen[rel] = true
				continue
			}
			t.Errorf("%s names the table %s, which only models/follower may touch", rel, table)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for f := range pendingReaders {
		if !seen[f] {
			t.Errorf("%s no longer names followers or follower_tags: take it off pendingReaders", f)
		}
	}
}
