package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestReasonTranslates(t *testing.T) {
	for _, tt := range []struct{ in, zh string }{
		{"webhook unreachable: timed out", "无法连接 Webhook：超时"},
		{"webhook rejected: HTTP 403", "Webhook 拒绝：HTTP 403"},
		{"mailbox rejected: SMTP 550", "收件邮箱拒收：SMTP 550"},
		{"WeChat error 45009", "微信错误代码：45009"},
		{"Telegram error 400", "Telegram 错误代码：400"},
		{"no longer follows (unsubscribed)", "已不再关注（unsubscribed）"},
		{"no sms channel on this Plaza", "此 Plaza 未设置该渠道：sms"},
		{"broadcast cancelled", "广播已取消"},
		// Not one of ours (a reason stored by an older version): shown as
		// it is rather than dropped.
		{"something else: entirely", "something else：entirely"},
		{"", ""},
	} {
		if got := Reason(ZHHans, tt.in); got != tt.zh {
			t.Errorf("Reason(zh, %q) = %q, want %q", tt.in, got, tt.zh)
		}
		if got := Reason(EN, tt.in); got != tt.in {
			t.Errorf("Reason(en, %q) = %q, want it unchanged", tt.in, got)
		}
	}
	if KnownReason("webhook unreachable: the receiver's own words") {
		t.Error("KnownReason accepts a phrase with no translation")
	}
}

// TestEveryReasonIsTranslated reads the reasons the engine and the
// channels give (the phrases in FailedResult, RetryResult and Reason
// fields, the constants and errors they name, and the words outbound
// reports) out of the code, so a new reason without a translation fails.
func TestEveryReasonIsTranslated(t *testing.T) {
	var phrases []string
	for _, dir := range []string{"../broadcast", "../bridge", "../outbound"} {
		phrases = append(phrases, reasonsIn(t, dir)...)
	}
	if len(phrases) < 40 {
		t.Fatalf("found only %d reason phrases in the code: the scan is broken\n%q", len(phrases), phrases)
	}
	for _, p := range phrases {
		if !KnownReason(p) {
			t.Errorf("the reason %q has no translation in reasonPhrases or reasonPatterns", p)
		}
	}
}

// reasonsIn collects the reason phrases of the Go files under dir.
func reasonsIn(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, "test/") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		out = append(out, reasonsOfFile(f)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var formatVerb = regexp.MustCompile(`%[-+# 0]*\d*[a-z]`)

func reasonsOfFile(f *ast.File) []string {
	// Package-level string constants and errors.New texts, which reasons
	// name (errNoWay, ErrNotConfigured.Error()).
	named := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) != len(vs.Names) {
			return true
		}
		for i, v := range vs.Values {
			if s, ok := literal(v); ok {
				named[vs.Names[i].Name] = s
			}
			if call, ok := v.(*ast.CallExpr); ok && isCall(call, "New") && len(call.Args) == 1 {
				if s, ok := literal(call.Args[0]); ok {
					named[vs.Names[i].Name] = s
				}
			}
		}
		return true
	})
	var out []string
	var collect func(e ast.Expr)
	collect = func(e ast.Expr) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if s, ok := literal(e); ok {
				out = append(out, strings.TrimSuffix(strings.TrimSpace(s), ":"))
			}
		case *ast.BinaryExpr:
			collect(e.X) // the fixed head; the tail is a code or a reason of its own
		case *ast.Ident:
			if s, ok := named[e.Name]; ok {
				out = append(out, s)
			}
		case *ast.CallExpr:
			switch {
			case isCall(e, "Sprintf") && len(e.Args) > 0:
				if s, ok := literal(e.Args[0]); ok {
					out = append(out, formatVerb.ReplaceAllString(s, "0"))
				}
			case isCall(e, "Error"):
				if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
					collect(sel.X)
				}
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if (isCall(n, "FailedResult") || isCall(n, "RetryResult")) && len(n.Args) > 0 {
				collect(n.Args[0])
			}
			if isCall(n, "retry") && len(n.Args) > 2 {
				collect(n.Args[2])
			}
		case *ast.KeyValueExpr:
			if k, ok := n.Key.(*ast.Ident); ok && (k.Name == "Reason" || k.Name == "reason") {
				collect(n.Value)
			}
		case *ast.FuncDecl:
			// The words outbound and the mail channel report for a
			// connection that gave no answer.
			if n.Name.Name == "TransportReason" || n.Name.Name == "Reason" || n.Name.Name == "smtpStatus" {
				ast.Inspect(n.Body, func(m ast.Node) bool {
					if r, ok := m.(*ast.ReturnStmt); ok && len(r.Results) > 0 {
						if s, ok := literal(r.Results[0]); ok && s != "" {
							out = append(out, s)
						}
					}
					return true
				})
			}
		}
		return true
	})
	return out
}

func literal(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

func isCall(c *ast.CallExpr, name string) bool {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name == name
	case *ast.SelectorExpr:
		return f.Sel.Name == name
	}
	return false
}
