package models_test

import (
	"context"
	"testing"

	"github.com/plazahq/plaza/app"
	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/database"
	"github.com/plazahq/plaza/models"
	"github.com/plazahq/plaza/models/account"
	"github.com/plazahq/plaza/models/notice"
)

// beforeTranslations is the last version with a column per language.
const beforeTranslations = 18

// seedTwoLanguageRows fills a database at 00018 with content written the
// old way: a column for English and one for Chinese ("zh").
func seedTwoLanguageRows(t *testing.T, db *database.DB) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO organizations (id, name, kind) VALUES (1, 'City', 'agency')`,
		`INSERT INTO accounts (id, organization_id, handle, name, name_zh, bio_en, bio_zh, chat_welcome_en, chat_welcome_zh, category, languages)
			VALUES (1, 1, 'metro', 'Metro', '地铁', 'Trains every day.', '每天有列车。', 'Welcome aboard.', '欢迎乘车。', 'transit', 'en,zh')`,
		`INSERT INTO accounts (id, organization_id, handle, name, name_zh, bio_zh, category, languages)
			VALUES (2, 1, 'jiedao', 'Street office', '街道办', '为居民服务。', 'government', 'zh')`,
		`INSERT INTO notices (id, account_id, kind, status, title_en, title_zh, body_en, body_zh)
			VALUES (1, 1, 'transit', 'published', 'Line 1 diverted', '1号线改道', 'Use the bus.', '请乘公交。')`,
		`INSERT INTO notices (id, account_id, kind, status, title_en, body_en)
			VALUES (2, 1, 'general', 'published', 'Only English', 'English body.')`,
		`INSERT INTO notices (id, account_id, kind, status, title_zh, body_zh)
			VALUES (3, 2, 'general', 'published', '只有中文', '中文正文。')`,
		`INSERT INTO projects (id, account_id, status, title_en, title_zh, summary_en, summary_zh, body_en, body_zh, result_en, result_zh)
			VALUES (1, 1, 'consultation', 'New station', '新车站', 'A station.', '一个车站。', 'Where it goes.', '位置。', 'Approved.', '已批准。')`,
		`INSERT INTO project_events (id, project_id, status, happened_on, note_en, note_zh)
			VALUES (1, 1, 'consultation', '2026-01-05', 'Consultation opens.', '征求意见开始。')`,
		`INSERT INTO project_questions (id, project_id, position, kind, label_en, label_zh, options_en, options_zh)
			VALUES (1, 1, 0, 'single', 'Which exit?', '哪个出口？', 'North
South', '北
南')`,
		`INSERT INTO followers (id, account_id, channel, address, language, status)
			VALUES (1, 1, 'email', 'li@example.com', 'zh', 'active'), (2, 1, 'email', 'ann@example.com', 'en', 'active')`,
		`INSERT INTO feedback (id, project_id, stance, comment, lang, status)
			VALUES (1, 1, 'support', '很好', 'zh', 'published')`,
	} {
		if err := db.Gorm.Exec(q).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// checkTranslated checks every text of seedTwoLanguageRows landed under
// its language, read through the models.
func checkTranslated(t *testing.T, db *database.DB) {
	t.Helper()
	g := db.Gorm
	var accounts []models.Account
	if err := g.Order("id").Find(&accounts).Error; err != nil || len(accounts) != 2 {
		t.Fatalf("accounts: %v %+v", err, accounts)
	}
	metro, jd := accounts[0], accounts[1]
	if metro.Languages != "en,zh-Hans" || metro.DefaultLang != "en" || metro.Name != "Metro" ||
		metro.LocalName("en") != "Metro" || metro.LocalName("zh-Hans") != "地铁" ||
		metro.LocalBio("en") != "Trains every day." || metro.LocalBio("zh-Hans") != "每天有列车。" ||
		metro.Welcome("en") != "Welcome aboard." || metro.Welcome("zh-Hans") != "欢迎乘车。" {
		t.Errorf("two-language account: %+v", metro)
	}
	// Its English name stays beside the Chinese one (the Down needs it),
	// but Chinese is its default and the name it is known by.
	if jd.Languages != "zh-Hans" || jd.DefaultLang != "zh-Hans" || jd.Name != "街道办" ||
		jd.LocalName("zh-Hans") != "街道办" || jd.LocalName("zh-Hant") != "街道办" || jd.LocalName("en") != "Street office" ||
		jd.LocalBio("zh-Hans") != "为居民服务。" || jd.LocalBio("en") != "为居民服务。" {
		t.Errorf("Chinese-only account: %+v", jd)
	}

	var notices []models.Notice
	if err := g.Order("id").Find(&notices).Error; err != nil || len(notices) != 3 {
		t.Fatalf("notices: %v %+v", err, notices)
	}
	both, en, zh := notices[0], notices[1], notices[2]
	if both.DefaultLang != "en" || both.Title("en") != "Line 1 diverted" || both.Body("en") != "Use the bus." ||
		both.Title("zh-Hans") != "1号线改道" || both.Body("zh-Hans") != "请乘公交。" || !both.HasLanguage("zh-Hans") || both.HasLanguage("zh") {
		t.Errorf("two-language notice: %+v", both)
	}
	if en.DefaultLang != "en" || en.Title("en") != "Only English" || en.Body("en") != "English body." || en.HasLanguage("zh-Hans") || len(en.Translations) != 1 {
		t.Errorf("English-only notice: %+v", en)
	}
	if zh.DefaultLang != "zh-Hans" || zh.Title("zh-Hans") != "只有中文" || zh.Body("zh-Hans") != "中文正文。" || zh.Title("en") != "只有中文" || len(zh.Translations) != 1 {
		t.Errorf("Chinese-only notice: %+v", zh)
	}

	var p models.Project
	if err := g.First(&p, 1).Error; err != nil {
		t.Fatal(err)
	}
	if p.DefaultLang != "en" || p.Title("en") != "New station" || p.Title("zh-Hans") != "新车站" ||
		p.Summary("en") != "A station." || p.Summary("zh-Hans") != "一个车站。" ||
		p.Body("en") != "Where it goes." || p.Body("zh-Hans") != "位置。" ||
		p.Result("en") != "Approved." || p.Result("zh-Hans") != "已批准。" {
		t.Errorf("project: %+v", p)
	}
	var e models.ProjectEvent
	if err := g.First(&e, 1).Error; err != nil {
		t.Fatal(err)
	}
	if e.Note("en", "en") != "Consultation opens." || e.Note("zh-Hans", "en") != "征求意见开始。" {
		t.Errorf("project step: %+v", e)
	}
	var q models.ProjectQuestion
	if err := g.First(&q, 1).Error; err != nil {
		t.Fatal(err)
	}
	if q.Label("en", "en") != "Which exit?" || q.Label("zh-Hans", "en") != "哪个出口？" ||
		q.Translations.Get("en", "options") != "North\nSouth" || q.Translations.Get("zh-Hans", "options") != "北\n南" {
		t.Errorf("project question: %+v", q)
	}

	var langs []string
	if err := g.Raw(`SELECT language FROM followers ORDER BY id`).Scan(&langs).Error; err != nil || len(langs) != 2 || langs[0] != "zh-Hans" || langs[1] != "en" {
		t.Errorf("followers' languages: %v %v", err, langs)
	}
	var lang string
	if err := g.Raw(`SELECT lang FROM feedback WHERE id = 1`).Scan(&lang).Error; err != nil || lang != "zh-Hans" {
		t.Errorf("feedback's language: %v %q", err, lang)
	}
}

// TestTranslationsMigration: 00019 and 00020 move content written in
// English and Chinese columns into translations (zh becoming zh-Hans),
// their Downs move it back, and the migrated database survives plaza
// copy to PostgreSQL.
func TestTranslationsMigration(t *testing.T) {
	apptest.EachEmpty(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		// Each step opens the database anew, as the next plaza command
		// would: a SQLite connection that read a table before another
		// connection altered it can answer SELECT * with the old columns.
		open := func() *database.DB {
			t.Helper()
			db, err := database.Open(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		db := open()
		if err := db.MigrateTo(ctx, beforeTranslations); err != nil {
			t.Fatal(err)
		}
		seedTwoLanguageRows(t, db)
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		checkTranslated(t, db)

		// Down: every text back in its column.
		if err := db.MigrateDownTo(ctx, beforeTranslations); err != nil {
			t.Fatal(err)
		}
		db = open()
		type row = map[string]any
		one := func(q string) row {
			t.Helper()
			r := row{}
			if err := db.Gorm.Raw(q).Take(&r).Error; err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			for k, v := range r {
				if b, ok := v.([]byte); ok {
					r[k] = string(b)
				}
			}
			return r
		}
		expect := func(what string, got row, want row) {
			t.Helper()
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s after the Down: %s = %q, want %q", what, k, got[k], v)
				}
			}
		}
		expect("two-language account", one(`SELECT name, name_zh, bio_en, bio_zh, chat_welcome_en, chat_welcome_zh, languages FROM accounts WHERE id = 1`),
			row{"name": "Metro", "name_zh": "地铁", "bio_en": "Trains every day.", "bio_zh": "每天有列车。", "chat_welcome_en": "Welcome aboard.", "chat_welcome_zh": "欢迎乘车。", "languages": "en,zh"})
		expect("Chinese-only account", one(`SELECT name, name_zh, bio_en, bio_zh, languages FROM accounts WHERE id = 2`),
			row{"name": "Street office", "name_zh": "街道办", "bio_en": "", "bio_zh": "为居民服务。", "languages": "zh"})
		expect("two-language notice", one(`SELECT title_en, title_zh, body_en, body_zh FROM notices WHERE id = 1`),
			row{"title_en": "Line 1 diverted", "title_zh": "1号线改道", "body_en": "Use the bus.", "body_zh": "请乘公交。"})
		expect("English-only notice", one(`SELECT title_en, title_zh, body_en, body_zh FROM notices WHERE id = 2`),
			row{"title_en": "Only English", "title_zh": "", "body_en": "English body.", "body_zh": ""})
		expect("Chinese-only notice", one(`SELECT title_en, title_zh, body_en, body_zh FROM notices WHERE id = 3`),
			row{"title_en": "", "title_zh": "只有中文", "body_en": "", "body_zh": "中文正文。"})
		expect("project", one(`SELECT title_en, title_zh, summary_en, summary_zh, body_en, body_zh, result_en, result_zh FROM projects WHERE id = 1`),
			row{"title_en": "New station", "title_zh": "新车站", "summary_en": "A station.", "summary_zh": "一个车站。", "body_en": "Where it goes.", "body_zh": "位置。", "result_en": "Approved.", "result_zh": "已批准。"})
		expect("project step", one(`SELECT note_en, note_zh FROM project_events WHERE id = 1`),
			row{"note_en": "Consultation opens.", "note_zh": "征求意见开始。"})
		expect("project question", one(`SELECT label_en, label_zh, options_en, options_zh FROM project_questions WHERE id = 1`),
			row{"label_en": "Which exit?", "label_zh": "哪个出口？", "options_en": "North\nSouth", "options_zh": "北\n南"})
		expect("follower", one(`SELECT language FROM followers WHERE id = 1`), row{"language": "zh"})
		expect("feedback", one(`SELECT lang FROM feedback WHERE id = 1`), row{"lang": "zh"})

		// Up again, as an office that went back and forward would.
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		db = open()
		checkTranslated(t, db)
		if db.Dialect != database.SQLite {
			return
		}

		// plaza copy moves the migrated SQLite database to PostgreSQL, where
		// the services read the same texts.
		if err := app.Migrate(ctx, db, nil); err != nil {
			t.Fatal(err)
		}
		pg, err := database.Open(ctx, apptest.PostgresURL(t))
		if err != nil {
			t.Fatal(err)
		}
		defer pg.Close()
		if err := app.Migrate(ctx, pg, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := database.Copy(ctx, db, pg, nil); err != nil {
			t.Fatalf("copy: %v", err)
		}
		checkTranslated(t, pg)
		store := models.NewStore(pg, nil)
		notices := notice.New(store.Core, nil, nil, nil, nil, nil)
		// Titles for readers of en, zh-Hans and zh-Hant (who get the
		// default, never the other script).
		for id, want := range map[int64][3]string{
			1: {"Line 1 diverted", "1号线改道", "Line 1 diverted"},
			2: {"Only English", "Only English", "Only English"},
			3: {"只有中文", "只有中文", "只有中文"},
		} {
			n, err := notices.NoticeByID(ctx, id)
			if err != nil {
				t.Fatalf("notice %d on PostgreSQL: %v", id, err)
			}
			if got := [3]string{n.Title("en"), n.Title("zh-Hans"), n.Title("zh-Hant")}; got != want {
				t.Errorf("notice %d on PostgreSQL: %q, want %q", id, got, want)
			}
		}
		accounts := account.New(store.Core, nil)
		for handle, want := range map[string][2]string{"metro": {"Metro", "地铁"}, "jiedao": {"Street office", "街道办"}} {
			a, err := accounts.AccountByHandle(ctx, handle)
			if err != nil {
				t.Fatalf("account %s on PostgreSQL: %v", handle, err)
			}
			if a.LocalName("en") != want[0] || a.LocalName("zh-Hans") != want[1] {
				t.Errorf("account %s on PostgreSQL: %q / %q", handle, a.LocalName("en"), a.LocalName("zh-Hans"))
			}
		}
	})
}
