package models

// Projects as citizens see them.

// PublicProject is a project with its account, as citizens see it.
type PublicProject struct {
	Project
	Handle         string
	AccountName    string
	AccountNameZh  string
	FeedbackReview bool
}

// LocalAccountName is the account's name in lang (a tag: its Chinese
// name is simplified Chinese, so a reader of traditional Chinese gets
// the other name rather than the other script).
// TODO(i18n-merge): the account's names in any language.
func (p *PublicProject) LocalAccountName(lang string) string {
	if (lang == "zh-Hans" || lang == "zh") && p.AccountNameZh != "" {
		return p.AccountNameZh
	}
	return p.AccountName
}
