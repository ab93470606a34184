//! The Admin GraphQL schema, version 2026-07, parsed and validated once per process.
//!
//! The SDL is `contracts/shopify/admin-2026-07.graphql`, a copy of the real schema (see
//! `contracts/shopify/README.md`). Every incoming document is validated against it.

use std::sync::OnceLock;

use apollo_compiler::validation::Valid;
use apollo_compiler::Schema;

/// The SDL text of the Admin API 2026-07.
pub const ADMIN_SDL: &str = include_str!("../../../contracts/shopify/admin-2026-07.graphql");

/// The API version the simulator serves.
pub const API_VERSION: &str = "2026-07";

/// The parsed schema (about 0.1 s the first time in an optimised build).
pub fn admin_schema() -> &'static Valid<Schema> {
    static SCHEMA: OnceLock<Valid<Schema>> = OnceLock::new();
    SCHEMA.get_or_init(
        || match Schema::parse_and_validate(ADMIN_SDL, "admin-2026-07.graphql") {
            Ok(schema) => schema,
            Err(e) => panic!("the bundled Admin schema does not validate: {}", e.errors),
        },
    )
}
