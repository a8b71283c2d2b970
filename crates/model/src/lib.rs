//! The shared vocabulary of casesearch: what a [`Review`] is, how it is split into
//! [`Section`]s (report sections or PDF pages, so a hit can say where it is), its
//! [`ReviewType`], the [`Region`] its publisher sits in, and the [`ThemeTag`]s the
//! tagger gave it with their [`Evidence`].
//!
//! This crate does no I/O. The pipeline is `ingest` (sources → `Review` records →
//! [`CataloguedReview`]s) → `index` (tantivy) → `server` (HTTP); all three speak these types.
//!
//! ```
//! use casesearch_model::{Region, ReviewType};
//! let region = Region::known("England", Some("East of England"), "Suffolk");
//! assert_eq!(region.path(), ["England", "East of England", "Suffolk"]);
//! assert_eq!(ReviewType::from_slug("pfd"), Some(ReviewType::PreventionOfFutureDeaths));
//! ```

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// One published document in the collection: a case review, a learning brief, or
/// (in the bundled corpus) a coroner's Prevention of Future Deaths report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Review {
    /// Stable identifier, unique in the corpus, safe in URLs (`pfd-2023-0452`).
    pub id: String,
    /// Pseudonymised title: never a personal name (case-review convention).
    pub title: String,
    #[serde(rename = "type")]
    pub review_type: ReviewType,
    /// The body that published it (partnership, board, coroner area), canonical name.
    pub publisher: String,
    /// Publication (or report) date, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Where the document was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The text, in reading order, split where a reader would cite it.
    pub sections: Vec<Section>,
    /// Source-specific facts worth showing (e.g. the coroner, who the report was sent to).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

impl Review {
    pub fn year(&self) -> Option<i32> {
        self.date.map(|date| date.year())
    }
}

/// A citable part of a review's text: "Concerns" in a PFD report, "p. 37" in a PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Section {
    pub label: String,
    pub text: String,
}

/// What kind of document a review is. Serialised as its slug, which is also the
/// value of the `type` search filter.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewType {
    /// Coroner's report under Regulation 28 (England and Wales).
    #[serde(rename = "pfd")]
    PreventionOfFutureDeaths,
    /// England, before the 2019 reforms.
    SeriousCaseReview,
    /// England, from 2019.
    LocalChildSafeguardingPracticeReview,
    /// England, by the national Child Safeguarding Practice Review Panel.
    NationalReview,
    /// England: the partnership's first look at a serious incident.
    RapidReview,
    /// Wales (concise or extended).
    ChildPracticeReview,
    /// Wales, from October 2024.
    SingleUnifiedSafeguardingReview,
    /// Scotland, before 2021.
    SignificantCaseReview,
    /// Scotland, from 2021.
    LearningReview,
    /// Scotland.
    InitialCaseReview,
    /// Northern Ireland.
    CaseManagementReview,
    /// Learning across several cases.
    ThematicReview,
    /// Short practice summary ("7-minute briefing").
    LearningBrief,
    /// Anything we cannot classify yet.
    Other,
}

impl ReviewType {
    pub const ALL: [ReviewType; 14] = [
        ReviewType::PreventionOfFutureDeaths,
        ReviewType::SeriousCaseReview,
        ReviewType::LocalChildSafeguardingPracticeReview,
        ReviewType::NationalReview,
        ReviewType::RapidReview,
        ReviewType::ChildPracticeReview,
        ReviewType::SingleUnifiedSafeguardingReview,
        ReviewType::SignificantCaseReview,
        ReviewType::LearningReview,
        ReviewType::InitialCaseReview,
        ReviewType::CaseManagementReview,
        ReviewType::ThematicReview,
        ReviewType::LearningBrief,
        ReviewType::Other,
    ];

    /// The human name, as used in facets and results.
    pub fn label(self) -> &'static str {
        match self {
            ReviewType::PreventionOfFutureDeaths => "Prevention of Future Deaths report",
            ReviewType::SeriousCaseReview => "Serious Case Review",
            ReviewType::LocalChildSafeguardingPracticeReview => {
                "Local Child Safeguarding Practice Review"
            }
            ReviewType::NationalReview => {
                "National review (Child Safeguarding Practice Review Panel)"
            }
            ReviewType::RapidReview => "Rapid review",
            ReviewType::ChildPracticeReview => "Child Practice Review",
            ReviewType::SingleUnifiedSafeguardingReview => "Single Unified Safeguarding Review",
            ReviewType::SignificantCaseReview => "Significant Case Review",
            ReviewType::LearningReview => "Learning Review",
            ReviewType::InitialCaseReview => "Initial Case Review",
            ReviewType::CaseManagementReview => "Case Management Review",
            ReviewType::ThematicReview => "Thematic review",
            ReviewType::LearningBrief => "Learning brief",
            ReviewType::Other => "Other",
        }
    }

    /// The stable machine name: the `type` filter value and the stored form.
    pub fn slug(self) -> &'static str {
        match self {
            ReviewType::PreventionOfFutureDeaths => "pfd",
            ReviewType::SeriousCaseReview => "serious-case-review",
            ReviewType::LocalChildSafeguardingPracticeReview => {
                "local-child-safeguarding-practice-review"
            }
            ReviewType::NationalReview => "national-review",
            ReviewType::RapidReview => "rapid-review",
            ReviewType::ChildPracticeReview => "child-practice-review",
            ReviewType::SingleUnifiedSafeguardingReview => "single-unified-safeguarding-review",
            ReviewType::SignificantCaseReview => "significant-case-review",
            ReviewType::LearningReview => "learning-review",
            ReviewType::InitialCaseReview => "initial-case-review",
            ReviewType::CaseManagementReview => "case-management-review",
            ReviewType::ThematicReview => "thematic-review",
            ReviewType::LearningBrief => "learning-brief",
            ReviewType::Other => "other",
        }
    }

    pub fn from_slug(slug: &str) -> Option<ReviewType> {
        ReviewType::ALL.into_iter().find(|t| t.slug() == slug)
    }
}

/// Where a publisher sits: nation, then (England) ONS region or (Wales) regional
/// safeguarding board, then the publisher itself. Publishers the regions table does
/// not know are placed under the nation [`Region::UNKNOWN`] and reported at index time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Region {
    pub nation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub publisher: String,
}

impl Region {
    /// The nation name given to publishers missing from the regions table.
    pub const UNKNOWN: &'static str = "Unknown";

    pub fn known(nation: &str, region: Option<&str>, publisher: &str) -> Region {
        Region {
            nation: nation.to_owned(),
            region: region.map(str::to_owned),
            publisher: publisher.to_owned(),
        }
    }

    pub fn unknown(publisher: &str) -> Region {
        Region::known(Region::UNKNOWN, None, publisher)
    }

    pub fn is_unknown(&self) -> bool {
        self.nation == Region::UNKNOWN
    }

    /// The facet path, broadest first: `["England", "London", "London Inner North"]`.
    pub fn path(&self) -> Vec<&str> {
        let mut path = vec![self.nation.as_str()];
        path.extend(self.region.as_deref());
        path.push(self.publisher.as_str());
        path
    }
}

/// A theme the tagger gave a review, with the text that made it do so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ThemeTag {
    /// Stable slug from the themes file (`domestic-abuse`): the `theme` filter value.
    pub id: String,
    pub label: String,
    /// The first few matches, enough to explain the tag to a reader.
    pub evidence: Vec<Evidence>,
    /// How many phrase matches there were in all.
    pub matches: usize,
}

/// One phrase match: "tagged *domestic abuse* because of 'coercive control' in Concerns".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Evidence {
    /// The rule phrase that matched, as written in the themes file.
    pub phrase: String,
    /// The words as they appear in the text.
    pub matched: String,
    /// The section (or page) label where they appear.
    pub section: String,
}

/// A review made ready for the index: its record plus what the pipeline derived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CataloguedReview {
    pub review: Review,
    pub region: Region,
    pub themes: Vec<ThemeTag>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_review_type_slug_round_trips_through_serde_and_from_slug() {
        for review_type in ReviewType::ALL {
            // serde's derive decides the stored form; it must agree with slug().
            let stored = serde_json::to_string(&review_type).expect("unit variant serialises");
            assert_eq!(stored, format!("\"{}\"", review_type.slug()));
            assert_eq!(ReviewType::from_slug(review_type.slug()), Some(review_type));
        }
        assert_eq!(ReviewType::from_slug("no-such-type"), None);
    }

    #[test]
    fn region_path_skips_missing_intermediate_level() {
        let region = Region::known("Scotland", None, "Glasgow City");
        assert_eq!(region.path(), ["Scotland", "Glasgow City"]);
        assert!(!region.is_unknown());
        assert!(Region::unknown("Other").is_unknown());
    }
}
