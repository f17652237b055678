package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestNoticeEditorWhatToDo: the editor takes a safety notice's response
// types (boxes) and instructions (one field per language); bad ones come
// back with a message each and everything typed and ticked kept, good
// ones are stored and shown again when the notice is edited.
func TestNoticeEditorWhatToDo(t *testing.T) {
	t.Parallel()
	apptest.EachSeeded(t, func(t *testing.T, dbURL string) {
		a := apptest.Start(t, dbURL)
		f := apptest.Seed(t, a)
		c := a.Client(t)
		c.Login(f.ByRole[models.RoleEditor].Email, apptest.Password)
		base := fmt.Sprintf("/studio/orgs/%d/accounts/metro/notices", f.Org.ID)

		form := url.Values{"kind": {"safety"}, "title.en": {"Heat warning"}, "body.en": {"38 °C expected."},
			"instruction.en": {"Drink water & check on neighbours."}, "instruction.zh-Hans": {"请多喝水。"},
			"response_types": {"Prepare", "None"}, "cap_category": {"Met"}, "cap_event": {"Heat"}, "action": {"save"}}
		r := c.Post(base, form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad what to do: %s", r)
		}
		expectBody(t, "the editor with errors", r, http.StatusUnprocessableEntity,
			"“None” and “All clear” cannot be ticked together with other actions.", "This version has instructions but no title.",
			"Drink water &amp; check on neighbours.", "请多喝水。", `value="Prepare" checked`, `value="None" checked`, `href="#f-response_types"`)
		if strings.Contains(r.Body, `value="Monitor" checked`) {
			t.Error("a box nobody ticked came back ticked")
		}

		form.Set("title.zh-Hans", "高温警告")
		form.Set("body.zh-Hans", "预计 38 °C。")
		form["response_types"] = []string{"Prepare", "Monitor"}
		if r := c.Post(base, form); r.Status != http.StatusSeeOther {
			t.Fatalf("save: %s", r)
		}
		n := newestNotice(t, a)
		if n.ResponseTypes != "Prepare,Monitor" || n.Instruction("en") != "Drink water & check on neighbours." || n.Instruction("zh-Hans") != "请多喝水。" {
			t.Fatalf("stored %q, %v", n.ResponseTypes, n.Translations)
		}
		edit := c.Get(fmt.Sprintf("%s/%d", base, n.ID))
		expectBody(t, "the editor again", edit, http.StatusOK, `value="Prepare" checked`, `value="Monitor" checked`,
			"Drink water &amp; check on neighbours.</textarea>", `name="instruction.zh-Hans"`)
	})
}
