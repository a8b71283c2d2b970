//! The documents' section texts, kept beside the tantivy index in one file
//! ([`TEXT_STORE_FILE`]) rather than in tantivy's document store.
//!
//! tantivy reads a stored document whole: a hit of a 120-page review meant decompressing
//! and copying ~360 KB to show three snippets, and loading the page of 20 such hits was
//! most of a search's time on long reviews (perf, docs/benchmarks.md). Here each section
//! is compressed on its own (LZ4), so a hit reads only the sections its snippets come
//! from, and the record page reads them all.
//!
//! The file is written whole at every build, from every review (a build has them all in
//! hand, catalogued), into the directory being built, so it is swapped in with the index.
//! It is memory-mapped, immutable, and looked up by document id, which survives
//! incremental builds (tantivy's document addresses do not).
//!
//! Layout, little-endian:
//! ```text
//! "CSTEXT01"  u64 documents  u64 sections  u64 ids_at  u64 documents_at  u64 sections_at
//! section data: each section's text, LZ4 block with its size prepended (lz4_flex)
//! ids:        every id's bytes, in id order
//! documents:  per document, in id order: u64 id offset, u32 id length, u32 first section, u32 section count
//! sections:   per section: u64 data offset, u32 compressed length
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use memmap2::Mmap;

use crate::IndexError;

pub const TEXT_STORE_FILE: &str = "texts.store";

const MAGIC: &[u8; 8] = b"CSTEXT01";
const HEADER_BYTES: usize = 8 + 5 * 8;
const DOCUMENT_BYTES: usize = 8 + 4 + 4 + 4;
const SECTION_BYTES: usize = 8 + 4;

/// Writes the store of `documents` (id, section texts) to `dir`: beside, then renamed
/// over any store there. An incremental build starts from hard links to the live
/// index's files, so writing into the old file would change the live, mapped store.
pub(crate) fn write_text_store<'a>(
    dir: &Path,
    documents: impl IntoIterator<Item = (&'a str, Vec<&'a str>)>,
) -> Result<(), IndexError> {
    let target = dir.join(TEXT_STORE_FILE);
    let path = dir.join(format!("{TEXT_STORE_FILE}.tmp"));
    let io = |source: std::io::Error| IndexError::Io {
        path: path.clone(),
        source,
    };
    let mut documents: Vec<(&str, Vec<&str>)> = documents.into_iter().collect();
    documents.sort_unstable_by(|a, b| a.0.cmp(b.0));
    documents.dedup_by(|a, b| a.0 == b.0);
    let section_count: usize = documents.iter().map(|(_, sections)| sections.len()).sum();

    let mut out = BufWriter::new(File::create(&path).map_err(io)?);
    // The header's offsets are known only at the end: written as zeros, then again.
    out.write_all(&[0u8; HEADER_BYTES]).map_err(io)?;
    let mut at = HEADER_BYTES as u64;
    let mut sections: Vec<(u64, u32)> = Vec::with_capacity(section_count);
    for (_, texts) in &documents {
        for text in texts {
            let compressed = lz4_flex::compress_prepend_size(text.as_bytes());
            out.write_all(&compressed).map_err(io)?;
            sections.push((at, compressed.len() as u32));
            at += compressed.len() as u64;
        }
    }
    let ids_at = at;
    let mut id_offsets = Vec::with_capacity(documents.len());
    for (id, _) in &documents {
        out.write_all(id.as_bytes()).map_err(io)?;
        id_offsets.push(at);
        at += id.len() as u64;
    }
    let documents_at = at;
    let mut first = 0u32;
    for ((id, texts), id_at) in documents.iter().zip(id_offsets) {
        out.write_all(&id_at.to_le_bytes()).map_err(io)?;
        out.write_all(&(id.len() as u32).to_le_bytes())
            .map_err(io)?;
        out.write_all(&first.to_le_bytes()).map_err(io)?;
        out.write_all(&(texts.len() as u32).to_le_bytes())
            .map_err(io)?;
        first += texts.len() as u32;
        at += DOCUMENT_BYTES as u64;
    }
    let sections_at = at;
    for (offset, length) in &sections {
        out.write_all(&offset.to_le_bytes()).map_err(io)?;
        out.write_all(&length.to_le_bytes()).map_err(io)?;
    }
    let mut file = out.into_inner().map_err(|err| io(err.into_error()))?;
    let mut header = Vec::with_capacity(HEADER_BYTES);
    header.extend_from_slice(MAGIC);
    for value in [
        documents.len() as u64,
        section_count as u64,
        ids_at,
        documents_at,
        sections_at,
    ] {
        header.extend_from_slice(&value.to_le_bytes());
    }
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.write_all(&header).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&path, &target).map_err(io)
}

/// An opened store: look a document up by id, then read its sections one by one.
pub struct TextStore {
    map: Mmap,
    documents: usize,
    sections: usize,
    ids_at: usize,
    documents_at: usize,
    sections_at: usize,
}

/// One document's sections in a [`TextStore`].
#[derive(Clone, Copy)]
pub(crate) struct StoredSections<'a> {
    store: &'a TextStore,
    first: usize,
    count: usize,
}

impl TextStore {
    pub(crate) fn open(dir: &Path) -> Result<TextStore, IndexError> {
        let path = dir.join(TEXT_STORE_FILE);
        let file = File::open(&path).map_err(|source| IndexError::Io {
            path: path.clone(),
            source,
        })?;
        // Safety: the file is written once, in the build directory before it is swapped
        // in, and never changed after; a rebuild writes a new file in a new directory.
        let map = unsafe { Mmap::map(&file) }.map_err(|source| IndexError::Io {
            path: path.clone(),
            source,
        })?;
        let corrupt = |what: &str| IndexError::Incompatible {
            path: path.clone(),
            reason: format!("its text store is damaged: {what}"),
        };
        if map.len() < HEADER_BYTES || &map[..8] != MAGIC {
            return Err(corrupt("no header"));
        }
        let header = |n: usize| read_u64(&map, 8 + 8 * n).map(|value| value as usize);
        let (Some(documents), Some(sections), Some(ids_at), Some(documents_at), Some(sections_at)) =
            (header(0), header(1), header(2), header(3), header(4))
        else {
            return Err(corrupt("short header"));
        };
        let tables_fit = documents
            .checked_mul(DOCUMENT_BYTES)
            .and_then(|bytes| documents_at.checked_add(bytes))
            .is_some_and(|end| end <= sections_at)
            && sections
                .checked_mul(SECTION_BYTES)
                .and_then(|bytes| sections_at.checked_add(bytes))
                .is_some_and(|end| end == map.len())
            && ids_at <= documents_at;
        if !tables_fit {
            return Err(corrupt("its tables do not fit the file"));
        }
        Ok(TextStore {
            map,
            documents,
            sections,
            ids_at,
            documents_at,
            sections_at,
        })
    }

    /// The sections of the document `id`, if it has any here.
    pub(crate) fn sections(&self, id: &str) -> Option<StoredSections<'_>> {
        let (mut low, mut high) = (0, self.documents);
        while low < high {
            let middle = low + (high - low) / 2;
            let (found, first, count) = self.document(middle)?;
            match found.cmp(id.as_bytes()) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => {
                    return (first.checked_add(count)? <= self.sections).then_some(StoredSections {
                        store: self,
                        first,
                        count,
                    })
                }
            }
        }
        None
    }

    /// The `n`-th document's id, first section and section count.
    fn document(&self, n: usize) -> Option<(&[u8], usize, usize)> {
        let at = self.documents_at + n * DOCUMENT_BYTES;
        let id_at = read_u64(&self.map, at)? as usize;
        let id_length = read_u32(&self.map, at + 8)? as usize;
        let first = read_u32(&self.map, at + 12)? as usize;
        let count = read_u32(&self.map, at + 16)? as usize;
        let id = self
            .map
            .get(id_at..id_at.checked_add(id_length)?)
            .filter(|_| id_at >= self.ids_at)?;
        Some((id, first, count))
    }

    fn section(&self, n: usize) -> Result<String, IndexError> {
        let corrupt = || IndexError::CorruptRecord(format!("section {n} of the text store"));
        let at = self.sections_at + n * SECTION_BYTES;
        let offset = read_u64(&self.map, at).ok_or_else(corrupt)? as usize;
        let length = read_u32(&self.map, at + 8).ok_or_else(corrupt)? as usize;
        let compressed = offset
            .checked_add(length)
            .and_then(|end| self.map.get(offset..end))
            .filter(|_| offset + length <= self.ids_at)
            .ok_or_else(corrupt)?;
        // The size prepended is checked against what LZ4 can expand to (at most ~255×)
        // before anything is allocated for it.
        let size = read_u32(compressed, 0).ok_or_else(corrupt)? as usize;
        let block = compressed.get(4..).ok_or_else(corrupt)?;
        if size > block.len().saturating_mul(255).saturating_add(64) {
            return Err(corrupt());
        }
        let bytes = lz4_flex::decompress(block, size).map_err(|_| corrupt())?;
        String::from_utf8(bytes).map_err(|_| corrupt())
    }
}

impl StoredSections<'_> {
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// The text of section `k` (from 0); `None` past the last.
    pub(crate) fn text(&self, k: usize) -> Option<Result<String, IndexError>> {
        (k < self.count).then(|| self.store.section(self.first + k))
    }

    /// Every section's text, in order.
    pub(crate) fn all(&self) -> Result<Vec<String>, IndexError> {
        (0..self.count)
            .map(|k| self.store.section(self.first + k))
            .collect()
    }
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(chunk.try_into().ok()?))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let chunk = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(chunk.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_found_by_id_and_their_sections_read_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let long = "é safeguarding ".repeat(500);
        let documents = vec![
            ("pfd-2", vec!["two a", "two b", long.as_str()]),
            ("pfd-1", vec!["one"]),
            ("empty", vec![]),
            ("pfd-3", vec!["", "three"]),
        ];
        write_text_store(dir.path(), documents.clone()).expect("written");
        let store = TextStore::open(dir.path()).expect("opens");
        for (id, texts) in &documents {
            let sections = store.sections(id).expect(id);
            assert_eq!(sections.len(), texts.len());
            let read = sections.all().expect("read");
            assert_eq!(read, *texts, "{id}");
            assert!(sections.text(texts.len()).is_none());
        }
        assert!(store.sections("pfd-0").is_none());
        assert!(store.sections("pfd-4").is_none());
        assert!(store.sections("").is_none());
    }

    #[test]
    fn a_damaged_store_is_refused_or_answers_an_error_never_a_panic() {
        let dir = tempfile::tempdir().expect("temp dir");
        write_text_store(
            dir.path(),
            vec![("a", vec!["alpha text"]), ("b", vec!["beta"])],
        )
        .expect("written");
        let path = dir.path().join(TEXT_STORE_FILE);
        let good = std::fs::read(&path).expect("read");
        // Truncated anywhere: refused at open.
        for cut in [0, 7, HEADER_BYTES, good.len() / 2, good.len() - 1] {
            std::fs::write(&path, &good[..cut]).expect("write");
            assert!(TextStore::open(dir.path()).is_err(), "cut at {cut}");
        }
        // Every byte of the section data flipped: opens, and reading gives text or an
        // error.
        for at in HEADER_BYTES..HEADER_BYTES + 10 {
            let mut bad = good.clone();
            bad[at] ^= 0xFF;
            std::fs::write(&path, &bad).expect("write");
            let store = TextStore::open(dir.path()).expect("tables intact");
            if let Some(sections) = store.sections("a") {
                let _ = sections.all();
            }
        }
        std::fs::remove_file(&path).expect("remove");
        assert!(matches!(
            TextStore::open(dir.path()),
            Err(IndexError::Io { .. })
        ));
    }
}
