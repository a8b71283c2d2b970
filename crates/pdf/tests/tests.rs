//! Integration tests over the real PDFs in `testdata/pdf` (vendored from `../shared`)
//! (sources in its SOURCES.md): text quality against poppler's reference
//! output, encryption, damaged files and a bounded mutation fuzz.

mod corpus;
mod fuzz;
mod quality;
