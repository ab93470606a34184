-- The Orders tab's search indexes carry the list order (postgres). Keep in step with
-- ../sqlite/0012_search_page_indexes.sql. A search is one ordered, limited range per key
-- (order number, customer name, email) merged by date: each range is read from its index alone
-- (shop, key, date, id), the page's ids are picked from those entries, and only the page's rows
-- are read from the table. The email index also serves the compliance lookups by exact email.

DROP INDEX destination_orders_name;
DROP INDEX destination_orders_customer;
DROP INDEX destination_orders_email;
CREATE INDEX destination_orders_name_page
    ON destination_orders (shop_id, name_key, shopify_created_at DESC, id DESC);
CREATE INDEX destination_orders_customer_page
    ON destination_orders (shop_id, customer_key, shopify_created_at DESC, id DESC);
CREATE INDEX destination_orders_email_page
    ON destination_orders (shop_id, email_key, shopify_created_at DESC, id DESC);
