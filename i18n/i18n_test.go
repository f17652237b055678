package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/plazahq/plaza/models"
)

// verbRE finds fmt verbs, including %% (which takes no argument).
var verbRE = regexp.MustCompile(`%(?:%|[-+# 0]*(?:\[\d+\])?(?:\d+|\*)?(?:\.(?:\d+|\*))?[a-zA-Z])`)

// verbs lists the argument-taking verbs of s in order.
func verbs(s string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(s, -1) {
		if v != "%%" {
			out = append(out, v)
		}
	}
	return out
}

func TestCatalogHasBothLanguages(t *testing.T) {
	if len(messages) == 0 {
		t.Fatal("the catalog is empty")
	}
	keyRE := regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9_]+)+$`)
	for key, m := range messages {
		if !keyRE.MatchString(key) {
			t.Errorf("key %q: want lowercase dotted words", key)
		}
		if strings.TrimSpace(m[0]) == "" {
			t.Errorf("%s: no English text", key)
		}
		if strings.TrimSpace(m[1]) == "" {
			t.Errorf("%s: no Chinese text", key)
		}
		if m[0] != strings.TrimSpace(m[0]) || m[1] != strings.TrimSpace(m[1]) {
			t.Errorf("%s: text starts or ends with white space: %q / %q", key, m[0], m[1])
		}
		// Sprintf fills verbs in order, so both texts need the same verbs
		// in the same order.
		en, zh := verbs(m[0]), verbs(m[1])
		if len(en) != len(zh) {
			t.Errorf("%s: %d verbs in English %q, %d in Chinese %q", key, len(en), m[0], len(zh), m[1])
		} else if !reflect.DeepEqual(en, zh) {
			t.Errorf("%s: verbs %v in English, %v in Chinese", key, en, zh)
		}
		if strings.Count(m[0], "%")-2*strings.Count(m[0], "%%") != len(en) || strings.Count(m[1], "%")-2*strings.Count(m[1], "%%") != len(zh) {
			t.Errorf("%s: a %% that is not a verb: %q / %q", key, m[0], m[1])
		}
		if m[0] == m[1] && !strings.ContainsAny(m[0], "0123456789") {
			t.Logf("%s: the same text in both languages: %q", key, m[0])
		}
	}
}

func TestT(t *testing.T) {
	if got := T(EN, "nav.login"); got != "Sign in" {
		t.Errorf("T(EN, nav.login) = %q", got)
	}
	if got := T(ZH, "nav.login"); got != "登录" {
		t.Errorf("T(ZH, nav.login) = %q", got)
	}
	if got := T(ZH, "pager.status", 2, 5); got != "第 2 页，共 5 页" {
		t.Errorf("T(ZH, pager.status, 2, 5) = %q", got)
	}
	if got := T(EN, "pager.status", 2, 5); got != "Page 2 of 5" {
		t.Errorf("T(EN, pager.status, 2, 5) = %q", got)
	}
	if got := T(ZH, "no.such.key"); got != "no.such.key" {
		t.Errorf("a missing key shows %q, want the key itself", got)
	}
	if got := T("fr", "nav.login"); got != "Sign in" {
		t.Errorf("an unknown language gives %q, want English", got)
	}
	if !Has("nav.login") || Has("no.such.key") {
		t.Error("Has is wrong")
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		header string
		want   Lang
	}{
		{"zh-CN", ZH},
		{"zh", ZH},
		{"zh-Hans-CN", ZH},
		{"zh-SG", ZH},
		// A Traditional Chinese reader is better served by Simplified
		// Chinese than by English when they name no other language...
		{"zh-TW;q=0.8", ZH},
		{"zh-HK", ZH},
		// ...but English when they say they read it.
		{"zh-TW, en;q=0.5", EN},
		{"en-GB", EN},
		{"en-US,en;q=0.9,zh-CN;q=0.8", EN},
		{"zh-CN,zh;q=0.9,en;q=0.8", ZH},
		{"en;q=0.1, zh", ZH},
		{"fr, zh;q=0.5", ZH},
		{"fr", EN},
		{"fr-CA, fr;q=0.9", EN},
		{"ja", EN},
		{"*", EN},
		{"garbage", EN},
		{";;;", EN},
		{"zh;q=nope", EN},
		{"", EN},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.header); got != tt.want {
			t.Errorf("Negotiate(%q) = %s, want %s", tt.header, got, tt.want)
		}
	}
}

func TestParseAndLang(t *testing.T) {
	tests := []struct {
		code string
		want Lang
		ok   bool
	}{
		{"en", EN, true}, {"EN-gb", EN, true}, {" zh ", ZH, true}, {"zh-CN", ZH, true}, {"zh-Hant", ZH, true},
		{"", "", false}, {"fr", "", false}, {"english", "", false}, {"zhx", "", false}, {"e", "", false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.code)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Parse(%q) = %q, %v; want %q, %v", tt.code, got, ok, tt.want, tt.ok)
		}
	}
	if EN.Tag() != "en" || ZH.Tag() != "zh-Hans" || EN.Other() != ZH || ZH.Other() != EN || EN.Name() != "English" || ZH.Name() != "中文" {
		t.Error("Tag, Other or Name is wrong")
	}
	if len(Langs()) != 2 {
		t.Errorf("Langs() = %v", Langs())
	}
}

// keyRE matches a string literal that looks like a message key: a known
// namespace, a dot and more. The namespaces are the fixed list below plus
// every namespace the catalog uses, so a key in a namespace that has
// vanished from the catalog is still caught.
func keyRE() *regexp.Regexp {
	ns := map[string]bool{}
	for _, n := range strings.Split("nav|home|directory|account|accounts|studio|staff|admin|audit|invite|login|error|err|flash|field|form|pager|badge|action|table|a11y|footer", "|") {
		ns[n] = true
	}
	for k := range messages {
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
	"likeExpr": true, "Where": true, "Order": true, "Select": true, "Joins": true, "Table": true,
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
	for _, dir := range []string{"../templates", "../handlers", "../models"} {
		for _, f := range goSources(t, dir) {
			k, a := scanGo(t, f)
			keys, actions = append(keys, k...), append(actions, a...)
		}
	}

	checked := 0
	for _, u := range keys {
		if !re.MatchString(u.lit) {
			continue
		}
		checked++
		if !Has(u.lit) {
			t.Errorf("%s: message key %q is not in the catalog", u.pos, u.lit)
		}
	}
	if checked < 100 {
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

	// Keys built from a list of values.
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
	for _, k := range models.NoticeKinds() {
		dynamic = append(dynamic, "notices.kind_"+k)
	}
	for _, st := range []string{models.NoticeDraft, models.NoticeScheduled, models.NoticePublished, models.NoticeUpdated,
		models.NoticeCancelled, models.NoticeExpired} {
		dynamic = append(dynamic, "notices.status_"+st)
	}
	for _, st := range []string{models.BroadcastPending, models.BroadcastSending, models.BroadcastDone, models.BroadcastCancelled} {
		dynamic = append(dynamic, "broadcasts.status_"+st)
	}
	for _, k := range []string{models.KindPublish, models.KindUpdate, models.KindCancel, models.KindAllClear} {
		dynamic = append(dynamic, "broadcasts.kind_"+k)
	}
	for _, how := range []string{models.EndCancel, models.EndAllClear} {
		dynamic = append(dynamic, "notices.end_h_"+how, "notices.end_explain_"+how, "notices.end_yes_"+how)
	}
	dynamic = append(dynamic, "notices.version_en", "notices.version_zh", "broadcasts.d_failed", "broadcasts.d_dead")
	for prefix, values := range map[string][]string{
		"cap.category_": models.CAPCategories(), "cap.urgency_": models.CAPUrgencies(), "cap.severity_": models.CAPSeverities(),
		"cap.certainty_": models.CAPCertainties(), "gtfs.": append(models.GTFSCauses(), models.GTFSEffects()...),
	} {
		for _, v := range values {
			dynamic = append(dynamic, prefix+strings.ToLower(v))
		}
	}
	for _, k := range dynamic {
		if !Has(k) {
			t.Errorf("message %q is missing", k)
		}
	}
}
