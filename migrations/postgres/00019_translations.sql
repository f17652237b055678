-- +goose Up
-- Content in any number of languages. Each item keeps its texts as one
-- JSON object, language tag -> field -> text ({"en": {"title": ...},
-- "zh-Hant": {...}}), instead of a column per language; default_lang is the
-- language every version falls back to (the account's default when it was
-- written). Plain "zh", from when Plaza had one Chinese, becomes zh-Hans.

ALTER TABLE notices ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
ALTER TABLE notices ADD COLUMN default_lang TEXT NOT NULL DEFAULT 'en';
UPDATE notices SET translations = CASE
    WHEN (title_en <> '' OR body_en <> '') AND (title_zh <> '' OR body_zh <> '') THEN json_build_object('en', json_build_object('title', title_en, 'body', body_en), 'zh-Hans', json_build_object('title', title_zh, 'body', body_zh))::text
    WHEN (title_en <> '' OR body_en <> '') THEN json_build_object('en', json_build_object('title', title_en, 'body', body_en))::text
    WHEN (title_zh <> '' OR body_zh <> '') THEN json_build_object('zh-Hans', json_build_object('title', title_zh, 'body', body_zh))::text
    ELSE '{}' END;
UPDATE notices SET default_lang = 'zh-Hans' WHERE title_en = '' AND title_zh <> '';
ALTER TABLE notices DROP COLUMN title_en;
ALTER TABLE notices DROP COLUMN title_zh;
ALTER TABLE notices DROP COLUMN body_en;
ALTER TABLE notices DROP COLUMN body_zh;

ALTER TABLE accounts ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN default_lang TEXT NOT NULL DEFAULT 'en';
UPDATE accounts SET translations = CASE
    WHEN (name <> '' OR bio_en <> '' OR chat_welcome_en <> '') AND (name_zh <> '' OR bio_zh <> '' OR chat_welcome_zh <> '') THEN json_build_object('en', json_build_object('name', name, 'bio', bio_en, 'welcome', chat_welcome_en), 'zh-Hans', json_build_object('name', name_zh, 'bio', bio_zh, 'welcome', chat_welcome_zh))::text
    WHEN (name <> '' OR bio_en <> '' OR chat_welcome_en <> '') THEN json_build_object('en', json_build_object('name', name, 'bio', bio_en, 'welcome', chat_welcome_en))::text
    WHEN (name_zh <> '' OR bio_zh <> '' OR chat_welcome_zh <> '') THEN json_build_object('zh-Hans', json_build_object('name', name_zh, 'bio', bio_zh, 'welcome', chat_welcome_zh))::text
    ELSE '{}' END;
UPDATE accounts SET languages = TRIM(REPLACE(',' || languages || ',', ',zh,', ',zh-Hans,'), ',');
-- An account without English keeps its Chinese name as the name it is known by.
UPDATE accounts SET default_lang = 'zh-Hans', name = name_zh WHERE name_zh <> '' AND ',' || languages || ',' NOT LIKE '%,en,%';
ALTER TABLE accounts DROP COLUMN name_zh;
ALTER TABLE accounts DROP COLUMN bio_en;
ALTER TABLE accounts DROP COLUMN bio_zh;
ALTER TABLE accounts DROP COLUMN chat_welcome_en;
ALTER TABLE accounts DROP COLUMN chat_welcome_zh;

UPDATE followers SET language = 'zh-Hans' WHERE language = 'zh';
UPDATE feedback SET lang = 'zh-Hans' WHERE lang = 'zh';

-- +goose Down
UPDATE feedback SET lang = 'zh' WHERE lang LIKE 'zh%';
UPDATE followers SET language = 'zh' WHERE language LIKE 'zh%';
UPDATE followers SET language = 'en' WHERE language NOT IN ('en', 'zh');
ALTER TABLE accounts ADD COLUMN name_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN bio_en TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN bio_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN chat_welcome_en TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN chat_welcome_zh TEXT NOT NULL DEFAULT '';
UPDATE accounts SET name_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'name', ''), bio_en = COALESCE(translations::json -> 'en' ->> 'bio', ''), bio_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'bio', ''), chat_welcome_en = COALESCE(translations::json -> 'en' ->> 'welcome', ''), chat_welcome_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'welcome', '');
UPDATE accounts SET name = COALESCE(translations::json -> 'en' ->> 'name', '') WHERE COALESCE(translations::json -> 'en' ->> 'name', '') <> '';
UPDATE accounts SET languages = TRIM(REPLACE(',' || languages || ',', ',zh-Hans,', ',zh,'), ',');
ALTER TABLE accounts DROP COLUMN default_lang;
ALTER TABLE accounts DROP COLUMN translations;
ALTER TABLE notices ADD COLUMN title_en TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN title_zh TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN body_en TEXT NOT NULL DEFAULT '';
ALTER TABLE notices ADD COLUMN body_zh TEXT NOT NULL DEFAULT '';
UPDATE notices SET title_en = COALESCE(translations::json -> 'en' ->> 'title', ''), title_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'title', ''), body_en = COALESCE(translations::json -> 'en' ->> 'body', ''), body_zh = COALESCE(translations::json -> 'zh-Hans' ->> 'body', '');
ALTER TABLE notices DROP COLUMN default_lang;
ALTER TABLE notices DROP COLUMN translations;
