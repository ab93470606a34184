//! The two backends' schemas stay in step: same tables, columns, types, nullability and indexes.

use ordersync_store::{Backend, DatabaseConfig, Store};

#[tokio::test]
async fn schemas_are_in_step() {
    let sqlite = crate::harness::sqlite().await;
    let sqlite_outline = sqlite.store.schema_outline().await.unwrap();
    assert!(
        sqlite_outline
            .iter()
            .any(|l| l == "column jobs.dedupe_key text null"),
        "{sqlite_outline:#?}"
    );
    let Some(pg) = crate::harness::postgres().await else {
        return;
    };
    let pg_outline = pg.store.schema_outline().await.unwrap();
    let only_sqlite: Vec<_> = sqlite_outline
        .iter()
        .filter(|l| !pg_outline.contains(l))
        .collect();
    let only_pg: Vec<_> = pg_outline
        .iter()
        .filter(|l| !sqlite_outline.contains(l))
        .collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "schemas differ\nonly in SQLite: {only_sqlite:#?}\nonly in PostgreSQL: {only_pg:#?}"
    );
    eprintln!(
        "schemas in step: {} columns and indexes compared",
        pg_outline.len()
    );
    sqlite.finish().await;
    pg.finish().await;
}

#[tokio::test]
async fn migrating_twice_is_a_no_op_and_the_backend_comes_from_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/folder/ordersync.db");
    let config = DatabaseConfig::from_url(&format!("sqlite://{}", path.display())).unwrap();
    let store = Store::open(&config).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    assert!(path.exists(), "the SQLite file and its folders are created");
    store.close().await;
    let err = DatabaseConfig::from_url("mysql://root@localhost/db")
        .unwrap_err()
        .to_string();
    assert!(err.contains("mysql"), "{err}");
    assert!(DatabaseConfig::from_url("sqlite://").is_err());
    assert_eq!(
        DatabaseConfig::from_url("postgresql://postgres@127.0.0.1:5432/test")
            .unwrap()
            .backend(),
        Backend::Postgres
    );
}
