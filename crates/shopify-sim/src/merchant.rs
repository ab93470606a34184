//! TODO-HELPER: merchant
