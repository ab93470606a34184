//! TODO-HELPER: seed
