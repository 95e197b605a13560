//! The resource-flavor catalog (placeholder; replaced by the full catalog).
