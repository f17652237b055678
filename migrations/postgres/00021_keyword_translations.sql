-- +goose Up
-- Keyword replies in any number of languages, as 00019 and 00020 did for
-- notices, accounts and projects: one JSON object of texts per keyword
-- (language tag -> "reply" -> text) instead of one reply limited to en,
-- zh or both. A reply for both ('') goes under the account's first
-- language; 'zh' is Simplified Chinese. The router picks the follower's
-- language, else the account's default, else any.
ALTER TABLE chat_keywords ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
UPDATE chat_keywords k SET translations = json_build_object(
    CASE k.lang
        WHEN 'en' THEN 'en'
        WHEN 'zh' THEN 'zh-Hans'
        ELSE (SELECT CASE trim(split_part(a.languages, ',', 1))
                  WHEN '' THEN 'en'
                  WHEN 'zh' THEN 'zh-Hans'
                  ELSE trim(split_part(a.languages, ',', 1)) END
              FROM accounts a WHERE a.id = k.account_id)
    END,
    json_build_object('reply', k.reply))::text;
ALTER TABLE chat_keywords DROP COLUMN lang;
ALTER TABLE chat_keywords DROP COLUMN reply;

-- +goose Down
-- Back to one reply per row: a keyword with both an English and a
-- Simplified Chinese reply becomes two rows; one in another language
-- answers everyone ('').
ALTER TABLE chat_keywords ADD COLUMN lang TEXT NOT NULL DEFAULT '' CHECK (lang IN ('', 'en', 'zh'));
ALTER TABLE chat_keywords ADD COLUMN reply TEXT NOT NULL DEFAULT '';
INSERT INTO chat_keywords (account_id, keyword, match, lang, reply, created_at)
    SELECT account_id, keyword, match, 'zh', translations::json -> 'zh-Hans' ->> 'reply', created_at
    FROM chat_keywords
    WHERE translations::json -> 'en' ->> 'reply' IS NOT NULL AND translations::json -> 'zh-Hans' ->> 'reply' IS NOT NULL;
UPDATE chat_keywords SET
    lang = CASE
        WHEN translations::json -> 'en' ->> 'reply' IS NOT NULL THEN 'en'
        WHEN translations::json -> 'zh-Hans' ->> 'reply' IS NOT NULL THEN 'zh'
        ELSE '' END,
    reply = COALESCE(translations::json -> 'en' ->> 'reply', translations::json -> 'zh-Hans' ->> 'reply',
        (SELECT e.value ->> 'reply' FROM json_each(translations::json) e ORDER BY e.key LIMIT 1), '')
    WHERE translations <> '{}';
ALTER TABLE chat_keywords DROP COLUMN translations;
