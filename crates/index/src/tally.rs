//! Facet counting with each facet field's dictionary read once, when the index is
//! opened, instead of in every search.
//!
//! tantivy's `FacetCollector` streams a segment's facet dictionary each time it starts
//! on a segment, to map term ordinals to the facets being counted, and looks the counted
//! ordinals up again when it is done: with seven collectors per search (five fields, the
//! nations and each nation's regions) that was most of the cost of facets, a quarter of
//! a 10× search by perf. A [`FacetTable`] maps every ordinal of every segment, once, to
//! the facet and all its ancestors, so one [`TallyCollector`] per field counts every
//! level (nations, regions, publishers) in one pass, and a search only adds up numbers.
//! The table goes on to every document (its facets and their ancestors, each once), so
//! a search does not read the facet columns at all.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader, TantivyError};

use crate::schema::FACET_FIELDS;
use crate::IndexError;

/// The [`FacetTable`] of every facet field.
pub(crate) struct FacetTables {
    by_field: HashMap<&'static str, Arc<FacetTable>>,
}

impl FacetTables {
    pub(crate) fn build(searcher: &Searcher) -> Result<FacetTables, IndexError> {
        let by_field = FACET_FIELDS
            .iter()
            .map(|&field| Ok((field, Arc::new(FacetTable::build(searcher, field)?))))
            .collect::<Result<_, IndexError>>()?;
        Ok(FacetTables { by_field })
    }

    /// A collector counting the facets of `field`, one of [`FACET_FIELDS`].
    pub(crate) fn collector(&self, field: &str) -> Result<TallyCollector, IndexError> {
        let table = self
            .by_field
            .get(field)
            .ok_or_else(|| TantivyError::SchemaError(format!("{field} is not a facet field")))?;
        Ok(TallyCollector {
            table: Arc::clone(table),
        })
    }

    /// One collector counting the facets of several fields in one pass; its fruit has
    /// a tally per field, in the order given.
    pub(crate) fn collectors(&self, fields: &[&str]) -> Result<TalliesCollector, IndexError> {
        let parts = fields
            .iter()
            .map(|field| self.collector(field))
            .collect::<Result<_, _>>()?;
        Ok(TalliesCollector { parts })
    }
}

/// Every facet of one facet field in an index's segments, and where each segment's
/// ordinals are counted. Built for one searcher's segments (the engine never reloads
/// its reader: a new index means a new engine).
pub(crate) struct FacetTable {
    field: &'static str,
    /// Every facet in the field and every ancestor of one but the root, in tantivy's
    /// facet order (as `FacetCounts` lists them).
    facets: Vec<Facet>,
    /// Each facet's parent, by index into `facets`; `None` under the root.
    parents: Vec<Option<u32>>,
    segments: HashMap<SegmentId, Arc<SegmentSlots>>,
}

/// For each document of one segment, the facets it counts under: its own facets and
/// all their ancestors, each once. Reading a document's facet ordinals from the column
/// store (six fields, a multi-valued column each) was a quarter of a 10× search by
/// perf; this table is read once, when the index is opened, and a search then adds one
/// to each of a matching document's slots. About 4 bytes per slot: 10 MB at 100×.
struct SegmentSlots {
    /// `slots[starts[doc]..starts[doc + 1]]` are document `doc`'s.
    starts: Vec<u32>,
    slots: Vec<u32>,
}

impl SegmentSlots {
    fn of(&self, doc: DocId) -> &[u32] {
        let doc = doc as usize;
        match (self.starts.get(doc), self.starts.get(doc + 1)) {
            (Some(&from), Some(&to)) => self.slots.get(from as usize..to as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Every document's slots, given the slots of each term ordinal (`by_ord`).
    fn build(
        reader: &FacetReader,
        max_doc: DocId,
        by_ord: &[Vec<u32>],
    ) -> Result<SegmentSlots, IndexError> {
        let too_many = || IndexError::CorruptRecord("more facet values than a table holds".into());
        let mut starts = Vec::with_capacity(max_doc as usize + 1);
        let mut slots = Vec::new();
        starts.push(0);
        for doc in 0..max_doc {
            let first = slots.len();
            for ord in reader.facet_ords(doc) {
                for &slot in usize::try_from(ord)
                    .ok()
                    .and_then(|ord| by_ord.get(ord))
                    .map_or(&[][..], Vec::as_slice)
                {
                    // Two facets under one parent count once for it.
                    if !slots[first..].contains(&slot) {
                        slots.push(slot);
                    }
                }
            }
            starts.push(u32::try_from(slots.len()).map_err(|_| too_many())?);
        }
        Ok(SegmentSlots { starts, slots })
    }
}

impl FacetTable {
    pub(crate) fn build(
        searcher: &Searcher,
        field: &'static str,
    ) -> Result<FacetTable, IndexError> {
        let mut segment_facets = Vec::new();
        for segment in searcher.segment_readers() {
            let reader = segment.facet_reader(field)?;
            let facets = facets_by_ord(&reader)?;
            segment_facets.push((segment, reader, facets));
        }
        let mut every = BTreeSet::new();
        for (_, _, facets) in &segment_facets {
            for facet in facets {
                every.extend(with_ancestors(facet));
            }
        }
        let facets: Vec<Facet> = every.into_iter().collect();
        let slot_of = |facet: &Facet| facets.binary_search(facet).ok().map(|at| at as u32);
        let parents = facets
            .iter()
            .map(|facet| {
                let path = facet.to_path();
                let parent = &path[..path.len().saturating_sub(1)];
                (!parent.is_empty())
                    .then(|| slot_of(&Facet::from_path(parent)))
                    .flatten()
            })
            .collect();
        let segments = segment_facets
            .into_iter()
            .map(|(segment, reader, facets)| {
                let by_ord: Vec<Vec<u32>> = facets
                    .iter()
                    .map(|facet| with_ancestors(facet).iter().filter_map(slot_of).collect())
                    .collect();
                let slots = SegmentSlots::build(&reader, segment.max_doc(), &by_ord)?;
                Ok((segment.segment_id(), Arc::new(slots)))
            })
            .collect::<Result<_, IndexError>>()?;
        Ok(FacetTable {
            field,
            facets,
            parents,
            segments,
        })
    }
}

/// A segment's facets, in ordinal order.
fn facets_by_ord(reader: &FacetReader) -> Result<Vec<Facet>, IndexError> {
    let mut facets = Vec::with_capacity(reader.num_facets());
    let mut terms = reader.facet_dict().stream().map_err(TantivyError::from)?;
    while terms.advance() {
        let facet = Facet::from_encoded(terms.key().to_vec())
            .map_err(|err| IndexError::CorruptRecord(format!("facet is not UTF-8: {err}")))?;
        facets.push(facet);
    }
    Ok(facets)
}

/// `/England/North West` → `/England`, `/England/North West`.
fn with_ancestors(facet: &Facet) -> Vec<Facet> {
    if facet.is_root() {
        return Vec::new();
    }
    let path = facet.to_path();
    (1..=path.len())
        .map(|depth| Facet::from_path(&path[..depth]))
        .collect()
}

/// Counts, for every facet of a table, the matching documents with that facet or one
/// below it.
#[derive(Clone)]
pub(crate) struct TallyCollector {
    table: Arc<FacetTable>,
}

impl Collector for TallyCollector {
    type Fruit = FacetTally;
    type Child = TallySegment;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<TallySegment> {
        let slots = self
            .table
            .segments
            .get(&segment.segment_id())
            .ok_or_else(|| {
                TantivyError::InternalError(format!(
                    "the {} facet table was built for other segments",
                    self.table.field
                ))
            })?;
        Ok(TallySegment {
            slots: Arc::clone(slots),
            counts: vec![0; self.table.facets.len()],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Vec<u64>>) -> tantivy::Result<FacetTally> {
        let mut counts = vec![0; self.table.facets.len()];
        for segment in segments {
            for (total, count) in counts.iter_mut().zip(segment) {
                *total += count;
            }
        }
        Ok(FacetTally {
            table: Arc::clone(&self.table),
            counts,
        })
    }
}

pub(crate) struct TallySegment {
    slots: Arc<SegmentSlots>,
    counts: Vec<u64>,
}

impl SegmentCollector for TallySegment {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        for &slot in self.slots.of(doc) {
            if let Some(count) = self.counts.get_mut(slot as usize) {
                *count += 1;
            }
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.counts
    }
}

/// Several [`TallyCollector`]s as one: each matching document is handed to every
/// field's tally in one call, where tantivy's `MultiCollector` makes a boxed call per
/// field and document (a facet pass runs over every match of every search).
pub(crate) struct TalliesCollector {
    parts: Vec<TallyCollector>,
}

impl Collector for TalliesCollector {
    type Fruit = Vec<FacetTally>;
    type Child = TalliesSegment;

    fn for_segment(
        &self,
        ordinal: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<TalliesSegment> {
        let parts = self
            .parts
            .iter()
            .map(|part| part.for_segment(ordinal, segment))
            .collect::<tantivy::Result<_>>()?;
        Ok(TalliesSegment { parts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Vec<Vec<u64>>>) -> tantivy::Result<Vec<FacetTally>> {
        let mut by_part: Vec<Vec<Vec<u64>>> = self.parts.iter().map(|_| Vec::new()).collect();
        for segment in segments {
            for (part, counts) in by_part.iter_mut().zip(segment) {
                part.push(counts);
            }
        }
        self.parts
            .iter()
            .zip(by_part)
            .map(|(part, segments)| part.merge_fruits(segments))
            .collect()
    }
}

pub(crate) struct TalliesSegment {
    parts: Vec<TallySegment>,
}

impl SegmentCollector for TalliesSegment {
    type Fruit = Vec<Vec<u64>>;

    fn collect(&mut self, doc: DocId, score: Score) {
        for part in &mut self.parts {
            part.collect(doc, score);
        }
    }

    fn harvest(self) -> Vec<Vec<u64>> {
        self.parts.into_iter().map(TallySegment::harvest).collect()
    }
}

/// A search's counts for one facet field.
pub(crate) struct FacetTally {
    table: Arc<FacetTable>,
    counts: Vec<u64>,
}

impl FacetTally {
    /// The matching documents with `facet` or one below it.
    pub(crate) fn count(&self, facet: &Facet) -> u64 {
        self.table
            .facets
            .binary_search(facet)
            .map_or(0, |slot| self.counts[slot])
    }

    /// The children of `parent` that some matching document has, with their counts, in
    /// facet order: what `FacetCounts::get(parent)` lists.
    pub(crate) fn children<'a>(
        &'a self,
        parent: &Facet,
    ) -> impl Iterator<Item = (&'a Facet, u64)> + 'a {
        let parent = if parent.is_root() {
            Some(None)
        } else {
            self.table
                .facets
                .binary_search(parent)
                .ok()
                .map(|slot| Some(slot as u32))
        };
        self.table
            .facets
            .iter()
            .zip(&self.table.parents)
            .zip(&self.counts)
            .filter(move |((_, facet_parent), count)| {
                **count > 0 && parent.is_some_and(|parent| **facet_parent == parent)
            })
            .map(|((facet, _), count)| (facet, *count))
    }
}

#[cfg(test)]
mod tests {
    use tantivy::collector::FacetCollector;
    use tantivy::query::{AllQuery, Query, TermQuery};
    use tantivy::schema::IndexRecordOption;
    use tantivy::{Index, TantivyDocument, Term};

    use super::*;
    use crate::schema::names;

    /// Two segments with facets at three levels, a document with two facets under one
    /// parent, one with the parent itself, and one with none.
    fn index() -> (Index, tantivy::schema::Field) {
        let (schema, fields) = crate::schema::build_schema();
        let (region, tag) = (fields.region, fields.id);
        let index = Index::create_in_ram(schema);
        crate::schema::register_analyzers(&index);
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).expect("writer");
        let segments: [&[(&[&str], &str)]; 2] = [
            &[
                (&["/England/North West/Lancashire"], "a"),
                (
                    &[
                        "/England/North West/Cumbria",
                        "/England/North West/Lancashire",
                    ],
                    "a",
                ),
                (&["/Wales"], "b"),
            ],
            &[
                (&["/England/London/Camden", "/Wales/North/Gwynedd"], "b"),
                (&["/England/London"], "a"),
                (&[], "a"),
            ],
        ];
        for segment in segments {
            for (facets, label) in segment {
                let mut document = TantivyDocument::default();
                for facet in *facets {
                    document.add_facet(region, Facet::from(*facet));
                }
                document.add_text(tag, label);
                writer.add_document(document).expect("add");
            }
            writer.commit().expect("commit");
        }
        (index, tag)
    }

    #[test]
    fn counts_are_the_facet_collectors_at_every_level() {
        let (index, tag) = index();
        let searcher = index.reader().expect("reader").searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        let tables = FacetTables::build(&searcher).expect("tables");
        let queries: Vec<Box<dyn Query>> = vec![
            Box::new(AllQuery),
            Box::new(TermQuery::new(
                Term::from_field_text(tag, "a"),
                IndexRecordOption::Basic,
            )),
        ];
        for query in &queries {
            let tally = searcher
                .search(query, &tables.collector(names::REGION).expect("region"))
                .expect("tally");
            for parent in [
                "/",
                "/England",
                "/England/North West",
                "/England/London",
                "/Wales",
                "/Wales/North",
            ] {
                let parent = Facet::from(parent);
                let mut collector = FacetCollector::for_field(names::REGION);
                collector.add_facet(parent.clone());
                let expected: Vec<(Facet, u64)> = searcher
                    .search(query, &collector)
                    .expect("counts")
                    .get(parent.clone())
                    .map(|(facet, count)| (facet.clone(), count))
                    .collect();
                let counted: Vec<(Facet, u64)> = tally
                    .children(&parent)
                    .map(|(facet, count)| (facet.clone(), count))
                    .collect();
                assert_eq!(counted, expected, "under {parent} for {query:?}");
            }
        }
        let all = searcher
            .search(&AllQuery, &tables.collector(names::REGION).expect("region"))
            .expect("tally");
        // Two Lancashire-or-Cumbria documents, one of them with both: counted once each.
        assert_eq!(all.count(&Facet::from("/England/North West")), 2);
        assert_eq!(all.count(&Facet::from("/England")), 4);
        assert_eq!(all.count(&Facet::from("/Scotland")), 0);
    }

    #[test]
    fn several_fields_counted_in_one_pass_count_as_each_alone() {
        let (index, tag) = index();
        let searcher = index.reader().expect("reader").searcher();
        let tables = FacetTables::build(&searcher).expect("tables");
        let query = TermQuery::new(Term::from_field_text(tag, "a"), IndexRecordOption::Basic);
        let fields = [names::THEME, names::REGION];
        let together = searcher
            .search(&query, &tables.collectors(&fields).expect("collectors"))
            .expect("tallies");
        assert_eq!(together.len(), 2);
        for (field, tally) in fields.iter().zip(&together) {
            let alone = searcher
                .search(&query, &tables.collector(field).expect("collector"))
                .expect("tally");
            assert_eq!(tally.counts, alone.counts, "{field}");
        }
        assert_eq!(together[1].count(&Facet::from("/England")), 3);
        assert!(tables.collectors(&[names::REGION, names::ID]).is_err());
    }

    #[test]
    fn a_field_that_is_not_a_facet_is_refused() {
        let (index, _) = index();
        let searcher = index.reader().expect("reader").searcher();
        let tables = FacetTables::build(&searcher).expect("tables");
        assert!(tables.collector(names::ID).is_err());
    }
}
