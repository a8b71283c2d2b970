//! stub
mod extract;

pub use extract::extract_main_text;
