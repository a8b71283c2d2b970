//! One integration-test binary (one link) for the whole pipeline, over the real
//! bundled corpus: corpus → index → HTTP router.

mod it;
