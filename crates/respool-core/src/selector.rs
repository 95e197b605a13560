//! Kubernetes label selectors (placeholder; replaced by the full parser).
