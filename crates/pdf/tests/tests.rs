//! Integration tests over the real PDFs in `testdata/pdf` (vendored from `../shared`)
//! (sources in its SOURCES.md): text quality against poppler's reference
//! output, encryption, damaged files, a bounded mutation fuzz, and OCR of a
//! scan made from one of them (`testdata/ocr`).

mod corpus;
mod fuzz;
mod ocr;
mod quality;
