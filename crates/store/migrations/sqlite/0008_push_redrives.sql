-- How many times reconciliation redrove a push whose job had stopped (sqlite). Keep in step with
-- ../postgres/0008_push_redrives.sql. After a few redrives the push is failed for the merchant
-- instead of being redriven forever; the merchant's Retry sets it back to 0.

ALTER TABLE pushes ADD COLUMN redrives INTEGER NOT NULL DEFAULT 0;
