package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/apitoken"
	"github.com/plazahq/plaza/models/follower"
	"github.com/plazahq/plaza/models/followerimport"
	"github.com/plazahq/plaza/models/notice"
	"github.com/plazahq/plaza/sms"
)

// Tests that every message key the code uses is in the catalog, and the scanners of Go and templ sources they rely on.

// keyRE matches a string literal that looks like a message key: a known
// namespace, a dot and more. The namespaces are the fixed list below plus
// every namespace of every catalog, so a key in a namespace that has
// vanished from the catalog is still caught.
func keyRE() *regexp.Regexp {
	return keyREOf(Keys())
}

func keyREOf(keys []string) *regexp.Regexp {
	ns := map[string]bool{}
	for _, n := range strings.Split("nav|home|directory|account|accounts|studio|staff|admin|audit|invite|login|error|err|flash|field|form|pager|badge|action|table|a11y|footer", "|") {
		ns[n] = true
	}
	for _, k := range keys {
		ns[k[:strings.IndexByte(k, '.')]] = true
	}
	var list []string
	for n := range ns {
		list = append(list, regexp.QuoteMeta(n))
	}
	sort.Strings(list)
	return regexp.MustCompile(`^(` + strings.Join(list, "|") + `)\.[a-z_.]+$`)
}

// sqlCalls take SQL (column names such as accounts.name), never message
// keys.
var sqlCalls = map[string]bool{
	"LikeExpr": true, "Where": true, "Order": true, "Select": true, "Joins": true, "Table": true,
	"Raw": true, "Exec": true, "Pluck": true, "Group": true, "Having": true, "Not": true, "Or": true,
}

// use is one string literal found in the source.
type use struct {
	lit, pos string
}

// goSources returns the non-test, non-generated Go files of a directory.
func goSources(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, "_templ.go") {
			continue
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		t.Fatalf("no Go files in %s", dir)
	}
	return out
}

func calleeName(call *ast.CallExpr) string {
	switch fn := call.Fun.(type) {
	case *ast.Ident:
		return fn.Name
	case *ast.SelectorExpr:
		return fn.Sel.Name
	}
	return ""
}

func stringLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}

// scanGo finds the message keys and the audit actions used in a Go file.
// An action is the fourth argument of a call to Audit: a literal, or a
// variable of the enclosing function whose assigned literals are the
// actions.
func scanGo(t *testing.T, path string) (keys, actions []use) {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	skip := map[ast.Expr]bool{}
	add := func(list *[]use, e ast.Expr) {
		if s, ok := stringLit(e); ok {
			*list = append(*list, use{s, fset.Position(e.Pos()).String()})
			skip[e] = true
		}
	}
	// Assignments per function, for Audit calls whose action is a variable.
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		assigned := map[string][]ast.Expr{}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch a := n.(type) {
			case *ast.AssignStmt:
				if len(a.Lhs) == len(a.Rhs) {
					for i, l := range a.Lhs {
						if id, ok := l.(*ast.Ident); ok {
							assigned[id.Name] = append(assigned[id.Name], a.Rhs[i])
						}
					}
				}
			case *ast.ValueSpec:
				if len(a.Names) == len(a.Values) {
					for i, id := range a.Names {
						assigned[id.Name] = append(assigned[id.Name], a.Values[i])
					}
				}
			}
			return true
		})
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			name := calleeName(call)
			if name == "Audit" && len(call.Args) >= 4 {
				switch arg := call.Args[3].(type) {
				case *ast.Ident:
					vals := assigned[arg.Name]
					if len(vals) == 0 {
						t.Errorf("%s: Audit action %s is not assigned a literal in this function; the test cannot check its message", fset.Position(arg.Pos()), arg.Name)
					}
					for _, v := range vals {
						if _, ok := stringLit(v); !ok {
							t.Errorf("%s: Audit action %s is assigned a non-literal", fset.Position(v.Pos()), arg.Name)
						}
						add(&actions, v)
					}
				default:
					if _, ok := stringLit(arg); !ok {
						t.Errorf("%s: Audit action is neither a literal nor a variable; the test cannot check its message", fset.Position(arg.Pos()))
					}
					add(&actions, arg)
				}
			}
			if sqlCalls[name] {
				for _, a := range call.Args {
					if _, ok := stringLit(a); ok {
						skip[a] = true
					}
				}
			}
			return true
		})
	}
	ast.Inspect(file, func(n ast.Node) bool {
		if e, ok := n.(ast.Expr); ok && !skip[e] {
			add(&keys, e)
		}
		return true
	})
	return keys, actions
}

// templLitRE finds the double-quoted literals in a templ file.
var templLitRE = regexp.MustCompile(`"((?:[^"\\\n]|\\.)*)"`)

func scanTempl(t *testing.T, path string) []use {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []use
	for i, line := range strings.Split(string(b), "\n") {
		for _, m := range templLitRE.FindAllStringSubmatch(line, -1) {
			out = append(out, use{m[1], path + ":" + strconv.Itoa(i+1)})
		}
	}
	return out
}

// missingKeys lists the uses of a literal that looks like a message key
// (re) but names no message (has), and how many such literals it checked.
func missingKeys(uses []use, re *regexp.Regexp, has func(string) bool) (missing []string, checked int) {
	for _, u := range uses {
		if !re.MatchString(u.lit) || isPrefix(u.lit) || notKeys[u.lit] {
			continue
		}
		checked++
		if !has(u.lit) {
			missing = append(missing, fmt.Sprintf("%s: message key %q is not in the catalog", u.pos, u.lit))
		}
	}
	return missing, checked
}

// isPrefix is a literal that keys are built from ("notices.kind_" +
// kind); keyPrefixes checks those.
func isPrefix(lit string) bool { return strings.HasSuffix(lit, "_") || strings.HasSuffix(lit, ".") }

// notKeys are literals that look like message keys and are not.
var notKeys = map[string]bool{
	"followers.csv": true, // the name an upload without one gets
}

// codeDirs are the folders of the module's code that can use messages:
// every package but the test-only ones (bench, e2e) and i18n itself.
func codeDirs(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "bench", "e2e", "testdata", "node_modules", "i18n", "data":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") && !strings.HasSuffix(path, "_templ.go") {
			seen[filepath.Dir(path)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	if len(out) < 20 {
		t.Fatalf("only %d code folders found: %v", len(out), out)
	}
	return out
}

// TestGuardCatchesAMisspelledKey runs the guard over a small catalog of
// its own: a key with a typo, in a namespace the catalog has, fails, and
// so does one in a namespace only the fixed list names.
func TestGuardCatchesAMisspelledKey(t *testing.T) {
	catalog := map[string]bool{"flash.followers_add_tag": true, "import.err.empty": true}
	var keys []string
	for k := range catalog {
		keys = append(keys, k)
	}
	uses := []use{
		{"flash.followers_add_tag", "a.go:1"},
		{"flash.followers_add_tga", "a.go:2"}, // the typo
		{"import.err.emtpy", "b.go:3"},        // a typo in another catalog's namespace
		{"nav.no_such_link", "c.templ:4"},     // a namespace of the fixed list only
		{"accounts.name = ?", "d.go:5"},       // SQL, not a key
		{"example.org", "e.go:6"},             // not a namespace
		{"flash.followers_", "f.go:7"},        // a prefix: keyPrefixes checks it
	}
	missing, checked := missingKeys(uses, keyREOf(keys), func(k string) bool { return catalog[k] })
	if checked != 4 || len(missing) != 3 {
		t.Fatalf("checked %d, missing %q; want 4 checked and the three misspelled keys missing", checked, missing)
	}
	for i, want := range []string{"flash.followers_add_tga", "import.err.emtpy", "nav.no_such_link"} {
		if !strings.Contains(missing[i], strconv.Quote(want)) {
			t.Errorf("missing[%d] = %q, want %q", i, missing[i], want)
		}
	}
}

// TestEveryKeyInTheCatalog checks that every message key the templates,
// handlers and models use, literally or built from a list of values,
// exists in both languages.
func TestEveryKeyInTheCatalog(t *testing.T) {
	re := keyRE()
	var keys, actions []use
	templs, err := filepath.Glob("../templates/*.templ")
	if err != nil || len(templs) == 0 {
		t.Fatalf("no templ files found (%v)", err)
	}
	for _, f := range templs {
		keys = append(keys, scanTempl(t, f)...)
	}
	for _, dir := range codeDirs(t) {
		for _, f := range goSources(t, dir) {
			k, a := scanGo(t, f)
			keys, actions = append(keys, k...), append(actions, a...)
		}
	}

	missing, checked := missingKeys(keys, re, Has)
	for _, m := range missing {
		t.Error(m)
	}
	if checked < 1000 {
		t.Errorf("only %d message keys found in the sources; the scan is broken", checked)
	}

	// The audit log shows an action as audit.<action with _ for .>.
	if len(actions) < 10 {
		t.Errorf("only %d audit actions found; the scan is broken", len(actions))
	}
	for _, a := range actions {
		key := "audit." + strings.ReplaceAll(a.lit, ".", "_")
		if !Has(key) {
			t.Errorf("%s: audit action %q has no message %q", a.pos, a.lit, key)
		}
	}

	// Keys built from a prefix and a value: every prefix the code uses
	// must be listed in keyPrefixes with its values, and every value's
	// key must exist.
	usedPrefixes := map[string]string{}
	for _, u := range keys {
		if re.MatchString(u.lit) && isPrefix(u.lit) {
			usedPrefixes[u.lit] = u.pos
		}
	}
	if len(usedPrefixes) < 20 {
		t.Errorf("only %d key prefixes found in the sources; the scan is broken", len(usedPrefixes))
	}
	for prefix, pos := range usedPrefixes {
		if _, ok := keyPrefixes()[prefix]; !ok {
			t.Errorf("%s: keys are built from the prefix %q: list its values in keyPrefixes", pos, prefix)
		}
	}
	for prefix, values := range keyPrefixes() {
		for _, v := range values {
			if !Has(prefix + v) {
				t.Errorf("message %q (prefix %q) is missing", prefix+v, prefix)
			}
		}
	}
	// Keys built otherwise.
	var dynamic []string
	for _, r := range models.AllRoles() {
		dynamic = append(dynamic, "role."+string(r), "role."+string(r)+".means")
	}
	for _, c := range models.Categories() {
		dynamic = append(dynamic, "category."+c)
	}
	for _, k := range models.OrgKinds() {
		dynamic = append(dynamic, "orgkind."+string(k))
	}
	for _, v := range append(notice.GTFSCauses(), notice.GTFSEffects()...) {
		dynamic = append(dynamic, "gtfs."+strings.ToLower(v))
	}
	for _, k := range dynamic {
		if !Has(k) {
			t.Errorf("message %q is missing", k)
		}
	}

	// And the other way: every message in the files is used, so a
	// translator never translates a text nobody sees.
	used := map[string]bool{}
	for _, u := range keys {
		used[u.lit] = true
	}
	for prefix, values := range keyPrefixes() {
		for _, v := range values {
			used[prefix+v] = true
		}
	}
	for _, k := range dynamic {
		used[k] = true
	}
	for _, a := range actions {
		used["audit."+strings.ReplaceAll(a.lit, ".", "_")] = true
	}
	for _, k := range reasonKeys {
		used[k] = true
	}
	for _, p := range reasonPatterns {
		used[p.key] = true
	}
	var unused []string
	for _, k := range Keys() {
		if !used[k] {
			unused = append(unused, k)
		}
	}
	sort.Strings(unused)
	for _, k := range unused {
		t.Errorf("message %q is in the files, but no code uses it: remove it from every language", k)
	}
}

// keyPrefixes are the prefixes message keys are built from in code and
// templates, each with the values it is built with: the models' lists
// where there is one, else the values the code uses.
func keyPrefixes() map[string][]string {
	lower := func(vs []string) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = strings.ToLower(v)
		}
		return out
	}
	var scopes []string
	for _, sc := range apitoken.AllScopes() {
		scopes = append(scopes, strings.ReplaceAll(sc, ":", "_"))
	}
	outcomes := followerimport.Outcomes()
	return map[string][]string{
		"answers.state_":     {models.RevisionCurrent, models.RevisionUnconfirmed, models.RevisionSuperseded},
		"api.scope_":         scopes,
		"banner.level_":      {"extreme", "severe"}, // notice.Banners lists only these
		"broadcasts.d_":      {"failed", "dead"},    // the failed list shows only these
		"broadcasts.kind_":   {models.KindPublish, models.KindUpdate, models.KindCancel, models.KindAllClear},
		"broadcasts.status_": {models.BroadcastPending, models.BroadcastSending, models.BroadcastDone, models.BroadcastCancelled},
		"cap.category_":      lower(notice.CAPCategories()),
		"cap.certainty_":     lower(notice.CAPCertainties()),
		"cap.severity_":      lower(notice.CAPSeverities()),
		"cap.urgency_":       lower(notice.CAPUrgencies()),
		"cap.response_":      lower(notice.CAPResponseTypes()),
		// A CAP value in plain words; Unknown has none (the row is left out).
		"plain.certainty_": {"observed", "likely", "possible", "unlikely"},
		"plain.urgency_":   {"immediate", "expected", "future", "past"},
		"plain.response_":  lower(notice.CAPResponseTypes()),
		"chat.match_":      {models.MatchExact, models.MatchContains},
		// A channel's name, its device class and a follower's status, each
		// shown through the message of the value. echo is the test channel
		// of bridge/bridgetest, which the contract suite shows by name; web is
		// feedback sent through a project page's form.
		"channel.": {"email", "wechat", "telegram", "webhook", "sms", "echo", "web"},
		// Why a phone number was refused (sms.NumberError's reasons).
		"err.phone_": {sms.ReasonEmpty, sms.ReasonNotANumber, sms.ReasonInvalidForRegion, sms.ReasonTooLong},
		// A scan through a chat app has the channel as its device (followcode.ChatScan).
		"device.":                 {"phone", "tablet", "desktop", "bot", "other", "telegram", "wechat"},
		"status.":                 models.FollowerStatuses(),
		"feedback.moderated_":     models.FeedbackStatuses(),
		"feedback.stance_":        models.Stances(),
		"feedback.status_":        models.FeedbackStatuses(),
		"feedback.report_reason_": models.ReportReasons(),
		"followers.bulk_":         {"add_tag", "remove_tag", "block", "unblock"},
		"followers.event_":        {"follow", "unfollow"},
		"followers.source_":       {"web", "qr", "import"},
		"followers.st_":           models.FollowerStatuses(),
		"import.col.":             followerimport.Columns,
		"import.count.":           outcomes,
		"import.done.":            outcomes,
		"import.outcome.":         outcomes,
		"import.show.":            outcomes,
		"import.status.":          {follower.ImportPending, follower.ImportApplied, follower.ImportCancelled},
		"inbox.status_":           {models.ConversationOpen, "mine", models.ConversationClosed, "all"},
		"notices.end_explain_":    {models.EndCancel, models.EndAllClear},
		"notices.end_h_":          {models.EndCancel, models.EndAllClear},
		"notices.end_yes_":        {models.EndCancel, models.EndAllClear},
		"notices.history_":        {models.KindPublish, models.KindUpdate, models.KindCancel, models.KindAllClear},
		"notices.kind_":           models.NoticeKinds(),
		"notices.status_": {models.NoticeDraft, models.NoticeScheduled, models.NoticePublished, models.NoticeUpdated,
			models.NoticeCancelled, models.NoticeExpired},
		"projects.file_":   {"image", "document"},
		"projects.qkind_":  models.QuestionKinds(),
		"projects.status_": models.ProjectStatuses(),
	}
}
