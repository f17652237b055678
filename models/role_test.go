package models_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/plazahq/plaza/models"
)

// grants is the permission table as README's "Tenants and roles" states
// it, written out here rather than read from Role.Can, so that a change
// to the table in role.go has to be made (and reviewed) twice.
var grants = map[models.Role][]models.Permission{
	models.RoleOwner: models.AllPermissions(),
	models.RoleEditor: {
		models.PermView, models.PermWrite, models.PermPublish, models.PermManageFollowers,
	},
	models.RoleModerator: {
		models.PermView, models.PermModerate, models.PermManageFollowers, models.PermContacts,
	},
	models.RoleViewer: {models.PermView},
}

// TestRequire runs the gate for every role, every permission and every
// kind of caller: a member of the organization gets nil or ErrForbidden
// as the table says; a member of another organization, whatever their
// role there, and no member at all get ErrNotFound, never a 403 that
// would tell them the data is there. The errors come back unwrapped.
func TestRequire(t *testing.T) {
	const own, other = 7, 8
	org := &models.Organization{ID: own}
	otherOrg := &models.Organization{ID: other}
	if len(grants) != len(models.AllRoles()) {
		t.Fatalf("the expected table has %d roles, AllRoles %d: add the new role to grants", len(grants), len(models.AllRoles()))
	}
	for _, r := range models.AllRoles() {
		allowed, ok := grants[r]
		if !ok {
			t.Fatalf("role %s is missing from the expected table", r)
		}
		for _, p := range models.AllPermissions() {
			want := models.ErrForbidden
			if slices.Contains(allowed, p) {
				want = nil
			}
			cases := []struct {
				name  string
				m     *models.Member
				orgID int64
				want  error
			}{
				{"member of the organization", &models.Member{Org: org, Role: r}, own, want},
				{"member of another organization", &models.Member{Org: otherOrg, Role: r}, own, models.ErrNotFound},
				{"member with no organization", &models.Member{Role: r}, own, models.ErrNotFound},
				{"no account (organization 0)", &models.Member{Org: org, Role: r}, 0, models.ErrNotFound},
				{"no member", nil, own, models.ErrNotFound},
			}
			for _, c := range cases {
				if got := models.Require(c.m, p, c.orgID); got != c.want {
					t.Errorf("%s, %s, %s: Require = %v; want %v", c.name, r, p, got, c.want)
				}
			}
		}
	}
	// A role that is not in the table grants nothing, but its holder is
	// still a member: 403 in the organization, 404 outside it.
	for _, r := range []models.Role{"", "admin", "Owner"} {
		for _, p := range models.AllPermissions() {
			if got := models.Require(&models.Member{Org: org, Role: r}, p, own); got != models.ErrForbidden {
				t.Errorf("unknown role %q, %s: Require = %v; want ErrForbidden", r, p, got)
			}
			if got := models.Require(&models.Member{Org: otherOrg, Role: r}, p, own); got != models.ErrNotFound {
				t.Errorf("unknown role %q of another organization, %s: Require = %v; want ErrNotFound", r, p, got)
			}
		}
	}
	// The nil-safe accessors call sites pass as orgID.
	var noMember *models.Member
	var noAccount *models.Account
	if noMember.OrgID() != 0 || noAccount.OrgID() != 0 || (&models.Member{}).OrgID() != 0 {
		t.Error("OrgID of nothing is not 0")
	}
	if got := (&models.Account{OrganizationID: own}).OrgID(); got != own {
		t.Errorf("Account.OrgID() = %d; want %d", got, own)
	}
}

// TestAllPermissions fails when a Permission constant declared in role.go
// is missing from AllPermissions (and so from every table test that
// iterates it), or listed twice.
func TestAllPermissions(t *testing.T) {
	declared := permissionConstants(t)
	if len(declared) == 0 {
		t.Fatal("found no Permission constants in role.go")
	}
	listed := map[models.Permission]bool{}
	for _, p := range models.AllPermissions() {
		if listed[p] {
			t.Errorf("AllPermissions lists %q twice", p)
		}
		listed[p] = true
	}
	for name, v := range declared {
		if !listed[models.Permission(v)] {
			t.Errorf("%s (%q) is declared in role.go but missing from AllPermissions", name, v)
		}
	}
	if len(listed) != len(declared) {
		t.Errorf("AllPermissions has %d permissions, role.go declares %d", len(listed), len(declared))
	}
}

// permissionConstants reads role.go's constants of type Permission, name
// to value.
func permissionConstants(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "role.go", nil, 0)
	if err != nil {
		t.Fatalf("parse role.go: %v", err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Permission" {
				continue
			}
			if len(vs.Values) != len(vs.Names) {
				t.Fatalf("Permission constants %v have no value of their own", vs.Names)
			}
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("%s is not a string literal", name.Name)
				}
				v, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatalf("%s: %v", name.Name, err)
				}
				out[name.Name] = v
			}
		}
	}
	return out
}

// canExceptions are the functions of package models that may call Can
// directly, file and function, each with why. None of them refuses
// anything: they decide what a member who has passed Require is shown,
// so the 403-versus-404 rule does not apply, and like templates they ask
// the same table.
var canExceptions = map[string]string{
	"channel/webhook.go:Webhook":            "withholds the webhook signing secret from members without PermSecrets",
	"channel/webhook.go:SaveWebhook":        "ignores a secret rotation asked by a member who could not read the new secret",
	"channel/settings.go:For":               "withholds the chat platforms' signing secrets from members without PermSecrets",
	"project/feedback_admin.go:OrgFeedback": "searches contacts only for members who may see them",
	"follower/admin.go:followersOf":         "searches addresses only for members who may see them",
	"follower/admin.go:FollowerForStaff":    "masks the address for members without PermContacts",
	"privacy.go:ContactFor":                 "masks a contact for members without PermContacts",
	"privacy.go:MaskFollowers":              "masks addresses for members without PermContacts",
	"privacy.go:MaskFeedbackContacts":       "masks answers' contacts for members without PermContacts",
}

// TestAuthorizationGoesThroughRequire keeps package models and its domain
// packages to one gate: outside role.go no function calls Can (but the exceptions above) or
// compares an OrganizationID with a member's organization (.Org.ID,
// .OrgID()) to refuse an action; it asks Require. Queries that filter by
// organization pass the id as an argument and are not comparisons.
func TestAuthorizationGoesThroughRequire(t *testing.T) {
	// Every domain package under models/ answers to the same gate, so
	// the walk covers them; their files are named by their path here
	// (follower/admin.go:FollowersOf).
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") {
			files = append(files, filepath.ToSlash(path))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	used := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "role.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			where := name + ":" + fd.Name.Name
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Can" {
						if _, ok := canExceptions[where]; ok {
							used[where] = true
						} else {
							t.Errorf("%s: %s calls Can: ask models.Require (or, if it only shapes what is shown, add it to canExceptions with why)",
								fset.Position(n.Pos()), fd.Name.Name)
						}
					}
				case *ast.BinaryExpr:
					if (n.Op == token.EQL || n.Op == token.NEQ) &&
						(isOrganizationID(n.X) && isMemberOrg(n.Y) || isOrganizationID(n.Y) && isMemberOrg(n.X)) {
						t.Errorf("%s: %s compares an OrganizationID with the member's organization: ask models.Require",
							fset.Position(n.Pos()), fd.Name.Name)
					}
				}
				return true
			})
		}
	}
	for where := range canExceptions {
		if !used[where] {
			t.Errorf("canExceptions lists %s, which no longer calls Can: remove it", where)
		}
	}
}

// isOrganizationID reports whether e is x.OrganizationID.
func isOrganizationID(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "OrganizationID"
}

// isMemberOrg reports whether e is x.Org.ID or x.OrgID().
func isMemberOrg(e ast.Expr) bool {
	if call, ok := e.(*ast.CallExpr); ok {
		sel, ok := call.Fun.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "OrgID"
	}
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "ID" {
		return false
	}
	inner, ok := sel.X.(*ast.SelectorExpr)
	return ok && inner.Sel.Name == "Org"
}

var allPerms = []models.Permission{
	models.PermView, models.PermManageStaff, models.PermManageSettings,
	models.PermWrite, models.PermPublish, models.PermModerate,
	models.PermContacts, models.PermSecrets,
}

// TestRoleCan is the permission matrix exactly as models/role.go documents
// it: owners do everything; editors view, write and publish; moderators
// view and moderate; viewers only view. Contact details (README's "Who
// sees personal data") are for owners and moderators, never editors or
// viewers; signing secrets for owners only.
func TestRoleCan(t *testing.T) {
	const (
		view     = models.PermView
		staff    = models.PermManageStaff
		settings = models.PermManageSettings
		write    = models.PermWrite
		publish  = models.PermPublish
		moderate = models.PermModerate
		contacts = models.PermContacts
		secrets  = models.PermSecrets
	)
	want := map[models.Role]map[models.Permission]bool{
		models.RoleOwner:     {view: true, staff: true, settings: true, write: true, publish: true, moderate: true, contacts: true, secrets: true},
		models.RoleEditor:    {view: true, staff: false, settings: false, write: true, publish: true, moderate: false, contacts: false, secrets: false},
		models.RoleModerator: {view: true, staff: false, settings: false, write: false, publish: false, moderate: true, contacts: true, secrets: false},
		models.RoleViewer:    {view: true, staff: false, settings: false, write: false, publish: false, moderate: false, contacts: false, secrets: false},
		// Unknown roles grant nothing.
		"":      {},
		"admin": {},
		"Owner": {},
	}
	for role, perms := range want {
		for _, p := range allPerms {
			if got := role.Can(p); got != perms[p] {
				t.Errorf("Role(%q).Can(%s) = %v, want %v", role, p, got, perms[p])
			}
			m := &models.Member{Role: role}
			if got := m.Can(p); got != perms[p] {
				t.Errorf("Member with role %q: Can(%s) = %v, want %v", role, p, got, perms[p])
			}
		}
		if got, wantValid := role.Valid(), len(perms) > 0; got != wantValid {
			t.Errorf("Role(%q).Valid() = %v, want %v", role, got, wantValid)
		}
		if role != models.RoleOwner && role.Can("fly") {
			t.Errorf("Role(%q) grants an unknown permission", role)
		}
	}
	var nobody *models.Member
	for _, p := range allPerms {
		if nobody.Can(p) {
			t.Errorf("a nil member can %s", p)
		}
	}
	if got := models.AllRoles(); fmt.Sprint(got) != "[owner editor moderator viewer]" {
		t.Errorf("AllRoles() = %v, want most to least powerful", got)
	}
}
