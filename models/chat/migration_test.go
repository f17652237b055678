package chat_test

import (
	"context"
	"testing"
	"time"

	"github.com/plazahq/plaza/apptest"
	"github.com/plazahq/plaza/models"
)

// TestKeywordTranslationsMigration: 00021 moves each keyword's reply
// under its language: 'en' to en, 'zh' to zh-Hans, both (”) to the
// account's first language; the Down goes back to one reply a row.
func TestKeywordTranslationsMigration(t *testing.T) {
	apptest.EachEmpty(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := apptest.MigratedTo(t, dbURL, 20)
		exec := db.Exec
		exec(`INSERT INTO organizations (id, name, kind) VALUES (1, 'Org', 'agency')`)
		exec(`INSERT INTO accounts (id, organization_id, handle, name, category, languages) VALUES (1, 1, 'metro', 'Metro', 'transit', 'zh,en'), (2, 1, 'bus', 'Bus', 'transit', 'es, en'), (3, 1, 'ferry', 'Ferry', 'transit', '')`)
		exec(`INSERT INTO chat_keywords (account_id, keyword, match, lang, reply) VALUES
			(1, 'fare', 'exact', 'en', 'Two dollars.'),
			(1, '票价', 'contains', 'zh', '两元。'),
			(1, 'hours', 'exact', '', '9-5'),
			(2, 'tarifa', 'exact', '', 'Dos dólares.'),
			(3, 'map', 'contains', '', 'See the map.')`)
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var got []models.ChatKeyword
		if err := db.Gorm.Order("id").Find(&got).Error; err != nil {
			t.Fatal(err)
		}
		want := []struct {
			keyword, match, lang, reply string
		}{
			{"fare", "exact", "en", "Two dollars."},
			{"票价", "contains", "zh-Hans", "两元。"},
			{"hours", "exact", "zh-Hans", "9-5"},
			{"tarifa", "exact", "es", "Dos dólares."},
			{"map", "contains", "en", "See the map."},
		}
		if len(got) != len(want) {
			t.Fatalf("keywords after the migration: %+v", got)
		}
		for i, w := range want {
			k := got[i]
			if k.Keyword != w.keyword || k.Match != w.match || len(k.Translations) != 1 || k.Translations.Get(w.lang, "reply") != w.reply || k.AccountID == 0 {
				t.Errorf("keyword %d: %+v, want %s under %s", k.ID, k, w.reply, w.lang)
			}
		}
		// A keyword in two languages goes down as two rows.
		exec(`UPDATE chat_keywords SET translations = ? WHERE keyword = 'fare'`, `{"en":{"reply":"Two dollars."},"zh-Hans":{"reply":"两元。"}}`)
		if err := db.MigrateDownTo(ctx, 20); err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			Keyword, Lang, Reply string
		}
		if err := db.Gorm.Raw(`SELECT keyword, lang, reply FROM chat_keywords ORDER BY keyword, lang`).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) != 6 || rows[0].Keyword != "fare" || rows[0].Lang != "en" || rows[1].Keyword != "fare" || rows[1].Lang != "zh" || rows[1].Reply != "两元。" {
			t.Fatalf("after the Down: %+v", rows)
		}
	})
}

// TestChatPlacesMigration: 00024 makes chat_places, an account's
// deletion takes its rows, its Down drops the table and it applies
// again, on both databases.
func TestChatPlacesMigration(t *testing.T) {
	apptest.EachEmpty(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := apptest.MigratedTo(t, dbURL, 0)
		exec := db.Exec
		exec(`INSERT INTO organizations (id, name, kind) VALUES (1, 'Org', 'agency')`)
		exec(`INSERT INTO accounts (id, organization_id, handle, name, category, languages) VALUES (1, 1, 'metro', 'Metro', 'transit', 'en')`)
		exec(`INSERT INTO chat_places (account_id, channel, address, lat, lon, asked_at) VALUES (1, 'wechat', 'oA', 22.31, 114.11, ?)`, time.Now().UTC())
		var p models.ChatPlace
		if err := db.Gorm.Where("address = 'oA'").First(&p).Error; err != nil || !p.Pending || p.Lat != 22.31 || p.Lon != 114.11 {
			t.Fatalf("place %+v, %v", p, err)
		}
		exec(`DELETE FROM accounts WHERE id = 1`)
		var n int64
		if err := db.Gorm.Table("chat_places").Count(&n).Error; err != nil || n != 0 {
			t.Fatalf("chat_places after the account's deletion: %d, %v", n, err)
		}
		if err := db.MigrateDownTo(ctx, 23); err != nil {
			t.Fatal(err)
		}
		if db.Gorm.Migrator().HasTable("chat_places") {
			t.Fatal("chat_places left after the Down")
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
