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

// AccountName is the account's name in lang.
func (p *PublicProject) LocalAccountName(lang string) string {
	lang = LegacyLang(lang)
	if lang == "zh" && p.AccountNameZh != "" {
		return p.AccountNameZh
	}
	return p.AccountName
}
