//! Every GraphQL document the Admin API client sends is valid against the recorded Admin API
//! 2026-07 schema, so a typo or a field Shopify removed fails here rather than in production.

#![allow(clippy::unwrap_used)]

use apollo_compiler::{ExecutableDocument, Schema};
use ordersync_shopify::admin::operations::DOCUMENTS;

#[test]
fn every_operation_document_validates_against_the_admin_schema() {
    let sdl = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../contracts/shopify/admin-2026-07.graphql"
    ))
    .unwrap();
    let schema = Schema::parse_and_validate(sdl, "admin-2026-07.graphql").unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/graphql");
    let on_disk = std::fs::read_dir(dir).unwrap().count();
    assert_eq!(
        on_disk,
        DOCUMENTS.len(),
        "every file under graphql/ is an operation the client sends"
    );
    for (name, text) in DOCUMENTS.iter().copied() {
        let document = ExecutableDocument::parse_and_validate(&schema, text, name);
        assert!(document.is_ok(), "{name}: {}", document.unwrap_err().errors);
        let document = document.unwrap();
        assert_eq!(
            document.operations.iter().count(),
            1,
            "{name}: one operation"
        );
    }
}
