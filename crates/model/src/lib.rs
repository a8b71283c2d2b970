//! The shared vocabulary of casesearch: what a [`Review`] is, how it is split into
//! [`Section`]s (report sections or PDF pages, so a hit can say where it is), its
//! [`ReviewType`], the [`Region`] its publisher sits in, and the [`ThemeTag`]s the
//! tagger gave it with their [`Evidence`].
//!
//! Every closed set of values with a machine name (review type, age band, document kind,
//! availability) is a [`Slug`]: one parser for stored records, search filters, the
//! overrides file and the command line, whose error lists the values that would do. The
//! generic names of publishing bodies ([`PUBLISHER_BODY_SUFFIXES`]) are listed once too.
//!
//! This crate does no I/O. The pipeline is `ingest` (sources → `Review` records) →
//! `cataloguing` ([`CataloguedReview`]s) → `index` (tantivy) → `server` (HTTP); all of
//! them speak these types.
//!
//! ```
//! use casesearch_model::{Region, ReviewType, Slug};
//! let region = Region::known("England", Some("East of England"), "Suffolk");
//! assert_eq!(region.path(), ["England", "East of England", "Suffolk"]);
//! assert_eq!(ReviewType::from_slug("pfd"), Some(ReviewType::PreventionOfFutureDeaths));
//! assert!(ReviewType::parse_slug("scr").is_err());
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
    /// What is known about the case and the document beyond type, publisher and date,
    /// and where each derived field came from.
    #[serde(default, skip_serializing_if = "ReviewDetails::is_empty")]
    pub details: ReviewDetails,
}

impl Review {
    pub fn year(&self) -> Option<i32> {
        self.date.map(|date| date.year())
    }
}

/// The catalogue fields of a case review that PFD records do not have: the child's
/// pseudonym and age, the document's form, whether its text is available, and the
/// evidence for every field the cataloguer derived (type, publisher and date included).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewDetails {
    /// The pseudonym the review gives its subject ("Child Q", "Baby A", "Jack").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_band: Option<AgeBand>,
    /// The year of the incident that led to the review, where the review states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_kind: Option<DocumentKind>,
    #[serde(default, skip_serializing_if = "Availability::is_published")]
    pub availability: Availability,
    /// A catalogue record only: its sections are the catalogue's summary, learning and
    /// recommendations, not the review's own text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub metadata_only: bool,
    /// Why each derived field has its value, by field name (`type`, `publisher`,
    /// `date`, `incident_year`, `child`, `age_band`, `document_kind`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub derived: BTreeMap<String, Derivation>,
}

impl ReviewDetails {
    pub fn is_empty(&self) -> bool {
        *self == ReviewDetails::default()
    }
}

/// Where one field's value came from, so a reader can check it and a librarian can
/// see what to override.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Derivation {
    /// The value as stored (a slug, a name, a date).
    pub value: String,
    /// The words it was read from, as they appear.
    pub evidence: String,
    /// Where those words are: "p. 1", "PDF metadata", "listing page", "catalogue",
    /// "overrides file".
    pub source: String,
    /// 0–1: how sure the rule is. Overrides are 1.
    pub confidence: f32,
}

/// The subject's age band, as the national panel reports them.
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
pub enum AgeBand {
    #[serde(rename = "under-1")]
    UnderOne,
    #[serde(rename = "1-4")]
    OneToFour,
    #[serde(rename = "5-10")]
    FiveToTen,
    #[serde(rename = "11-15")]
    ElevenToFifteen,
    #[serde(rename = "16-17")]
    SixteenToSeventeen,
    /// 18 or over: coroners' reports are mostly about adults, and child-specific themes
    /// must never be given to them.
    #[serde(rename = "adult")]
    Adult,
}

impl AgeBand {
    pub const ALL: [AgeBand; 6] = [
        AgeBand::UnderOne,
        AgeBand::OneToFour,
        AgeBand::FiveToTen,
        AgeBand::ElevenToFifteen,
        AgeBand::SixteenToSeventeen,
        AgeBand::Adult,
    ];

    /// The bands of children (under 18): what "children only" filters on.
    pub const CHILDREN: [AgeBand; 5] = [
        AgeBand::UnderOne,
        AgeBand::OneToFour,
        AgeBand::FiveToTen,
        AgeBand::ElevenToFifteen,
        AgeBand::SixteenToSeventeen,
    ];

    pub fn is_child(self) -> bool {
        self != AgeBand::Adult
    }

    /// The band for any age in whole years, adults included.
    pub fn of_age(years: u32) -> AgeBand {
        AgeBand::from_years(years).unwrap_or(AgeBand::Adult)
    }

    /// The band of a child's age in whole years; `None` for adults (a case review's
    /// rules read only the child's age, so an adult's is someone else's).
    pub fn from_years(years: u32) -> Option<AgeBand> {
        match years {
            0 => Some(AgeBand::UnderOne),
            1..=4 => Some(AgeBand::OneToFour),
            5..=10 => Some(AgeBand::FiveToTen),
            11..=15 => Some(AgeBand::ElevenToFifteen),
            16 | 17 => Some(AgeBand::SixteenToSeventeen),
            _ => None,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            AgeBand::UnderOne => "under-1",
            AgeBand::OneToFour => "1-4",
            AgeBand::FiveToTen => "5-10",
            AgeBand::ElevenToFifteen => "11-15",
            AgeBand::SixteenToSeventeen => "16-17",
            AgeBand::Adult => "adult",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AgeBand::UnderOne => "Under 1",
            AgeBand::OneToFour => "1–4",
            AgeBand::FiveToTen => "5–10",
            AgeBand::ElevenToFifteen => "11–15",
            AgeBand::SixteenToSeventeen => "16–17",
            AgeBand::Adult => "Adult (18+)",
        }
    }
}

/// What form a document takes: the review itself or a shorter companion to it.
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
pub enum DocumentKind {
    FullReport,
    ExecutiveSummary,
    /// "7-minute briefing", learning summary, practice brief.
    LearningBrief,
    /// Learning drawn across several cases.
    Thematic,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 4] = [
        DocumentKind::FullReport,
        DocumentKind::ExecutiveSummary,
        DocumentKind::LearningBrief,
        DocumentKind::Thematic,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            DocumentKind::FullReport => "full-report",
            DocumentKind::ExecutiveSummary => "executive-summary",
            DocumentKind::LearningBrief => "learning-brief",
            DocumentKind::Thematic => "thematic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::FullReport => "Full report",
            DocumentKind::ExecutiveSummary => "Executive summary",
            DocumentKind::LearningBrief => "Learning brief",
            DocumentKind::Thematic => "Thematic review",
        }
    }
}

/// Whether a review's own text can be had. The national collection keeps catalogue
/// records after a PDF is withdrawn, and lists reviews that were never published.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    #[default]
    Published,
    /// The partnership's page no longer links it (copies are kept about five years).
    LinkRemoved,
    Withdrawn,
    /// Publication postponed, usually for criminal proceedings.
    Delayed,
    /// The partnership decided not to publish it.
    NotPublished,
}

impl Availability {
    pub const ALL: [Availability; 5] = [
        Availability::Published,
        Availability::LinkRemoved,
        Availability::Withdrawn,
        Availability::Delayed,
        Availability::NotPublished,
    ];

    pub fn is_published(&self) -> bool {
        *self == Availability::Published
    }

    pub fn slug(self) -> &'static str {
        match self {
            Availability::Published => "published",
            Availability::LinkRemoved => "link_removed",
            Availability::Withdrawn => "withdrawn",
            Availability::Delayed => "delayed",
            Availability::NotPublished => "not_published",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Availability::Published => "Published",
            Availability::LinkRemoved => "Link removed",
            Availability::Withdrawn => "Withdrawn",
            Availability::Delayed => "Publication delayed",
            Availability::NotPublished => "Not published",
        }
    }
}

/// A value from a closed set with a stable machine name, its slug: the stored form, the
/// value of a search filter, and what a librarian writes in the overrides file or on the
/// command line. Every slug is parsed by [`Slug::parse_slug`], whose error lists the
/// values it accepts.
///
/// ```
/// use casesearch_model::{AgeBand, Slug};
/// assert_eq!(AgeBand::parse_slug("11-15"), Ok(AgeBand::ElevenToFifteen));
/// let err = AgeBand::parse_slug("12-15").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"unknown age band "12-15" (expected one of under-1, 1-4, 5-10, 11-15, 16-17, adult)"#
/// );
/// ```
pub trait Slug: Copy + 'static {
    /// What one value is called in messages: "review type", "age band".
    const WHAT: &'static str;
    /// Every value, in the order they are listed to people.
    const VALUES: &'static [Self];

    fn slug(self) -> &'static str;

    /// The value whose slug is `slug`, exactly.
    fn from_slug(slug: &str) -> Option<Self> {
        Self::VALUES
            .iter()
            .copied()
            .find(|value| value.slug() == slug)
    }

    /// As [`Slug::from_slug`], with an error that says what was expected.
    fn parse_slug(slug: &str) -> Result<Self, UnknownSlug> {
        Self::from_slug(slug).ok_or_else(|| UnknownSlug {
            what: Self::WHAT,
            given: slug.to_owned(),
            expected: Self::VALUES.iter().map(|value| value.slug()).collect(),
        })
    }
}

/// A slug that names no value: what was given, and every slug that would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSlug {
    pub what: &'static str,
    pub given: String,
    pub expected: Vec<&'static str>,
}

impl UnknownSlug {
    /// The accepted slugs, comma-separated: "under-1, 1-4, 5-10, 11-15, 16-17".
    pub fn expected_list(&self) -> String {
        self.expected.join(", ")
    }
}

impl std::fmt::Display for UnknownSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown {} {:?} (expected one of {})",
            self.what,
            self.given,
            self.expected_list()
        )
    }
}

impl std::error::Error for UnknownSlug {}

/// Implements [`Slug`] over a type's own `slug()` and `ALL`, and gives the type a
/// `from_slug` that needs no trait import.
macro_rules! slug_type {
    ($type:ident, $what:literal) => {
        impl Slug for $type {
            const WHAT: &'static str = $what;
            const VALUES: &'static [$type] = &$type::ALL;

            fn slug(self) -> &'static str {
                $type::slug(self)
            }
        }

        impl $type {
            /// The value whose slug is `slug` ([`Slug::from_slug`]).
            pub fn from_slug(slug: &str) -> Option<$type> {
                <$type as Slug>::from_slug(slug)
            }
        }
    };
}

slug_type!(ReviewType, "review type");
slug_type!(AgeBand, "age band");
slug_type!(DocumentKind, "document kind");
slug_type!(Availability, "availability");

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

    /// The nation whose statutory guidance defines this type, if only one does.
    pub fn nation(self) -> Option<&'static str> {
        match self {
            ReviewType::SeriousCaseReview
            | ReviewType::LocalChildSafeguardingPracticeReview
            | ReviewType::NationalReview
            | ReviewType::RapidReview => Some("England"),
            ReviewType::ChildPracticeReview | ReviewType::SingleUnifiedSafeguardingReview => {
                Some("Wales")
            }
            ReviewType::SignificantCaseReview
            | ReviewType::LearningReview
            | ReviewType::InitialCaseReview => Some("Scotland"),
            ReviewType::CaseManagementReview => Some("Northern Ireland"),
            ReviewType::PreventionOfFutureDeaths
            | ReviewType::ThematicReview
            | ReviewType::LearningBrief
            | ReviewType::Other => None,
        }
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
    /// For a partnership or board covering several authorities, their names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorities: Vec<String>,
}

impl Region {
    /// The nation name given to publishers missing from the regions table.
    pub const UNKNOWN: &'static str = "Unknown";

    pub fn known(nation: &str, region: Option<&str>, publisher: &str) -> Region {
        Region {
            nation: nation.to_owned(),
            region: region.map(str::to_owned),
            publisher: publisher.to_owned(),
            authorities: Vec::new(),
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

/// The generic names of the bodies that publish reviews, as they follow a place name
/// (leading space included), longest first: "Suffolk Safeguarding Children
/// Partnership" is Suffolk's partnership. The cataloguer tries them after a place to
/// find its publisher; headings strip them, since every partnership shares them.
pub const PUBLISHER_BODY_SUFFIXES: [&str; 9] = [
    " Safeguarding Children Partnerships",
    " Safeguarding Children Partnership",
    " Local Safeguarding Children Board",
    " Safeguarding Children Board",
    " Regional Safeguarding Board",
    " Safeguarding Board",
    " Child Protection Committee",
    " Public Protection Committee",
    " LSCB",
];

/// A theme the tagger gave a review, with the text that made it do so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ThemeTag {
    /// Stable slug from the themes file (`domestic-abuse`): the `theme` filter value.
    pub id: String,
    pub label: String,
    /// The first few matches, enough to explain the tag to a reader.
    pub evidence: Vec<Evidence>,
    /// How many phrase matches there were in all: the tag's score.
    pub matches: usize,
    /// How many different sentences matched (after negated, hypothetical and boilerplate
    /// sentences are dropped).
    #[serde(default)]
    pub sentences: usize,
    /// Set by a librarian (overrides file) rather than by the rules; the note says why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub librarian_note: Option<String>,
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
    /// The whole sentence, so a reader can judge the tag without opening the document.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sentence: String,
    /// Who the sentence is about: "child", "parent or carer", "professional" or "unclear".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub about: String,
    /// Why it counted: the rule and context ("a finding or recommendation", "about a
    /// parent or carer").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
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
    fn every_slug_of_the_detail_enums_round_trips_through_serde() {
        for band in AgeBand::ALL {
            let stored = serde_json::to_string(&band).expect("unit variant serialises");
            assert_eq!(stored, format!("\"{}\"", band.slug()));
            assert_eq!(AgeBand::from_slug(band.slug()), Some(band));
        }
        for kind in DocumentKind::ALL {
            let stored = serde_json::to_string(&kind).expect("unit variant serialises");
            assert_eq!(stored, format!("\"{}\"", kind.slug()));
            assert_eq!(DocumentKind::from_slug(kind.slug()), Some(kind));
        }
        for availability in Availability::ALL {
            let stored = serde_json::to_string(&availability).expect("unit variant serialises");
            assert_eq!(stored, format!("\"{}\"", availability.slug()));
            assert_eq!(
                Availability::from_slug(availability.slug()),
                Some(availability)
            );
        }
    }

    #[test]
    fn an_unknown_slug_is_refused_with_every_value_that_would_do() {
        let err = ReviewType::parse_slug("scr").unwrap_err();
        assert_eq!(err.what, "review type");
        assert_eq!(err.expected.len(), ReviewType::ALL.len());
        assert!(err.to_string().starts_with(
            r#"unknown review type "scr" (expected one of pfd, serious-case-review, "#
        ));
        assert_eq!(
            Availability::parse_slug("withdrawn"),
            Ok(Availability::Withdrawn)
        );
        assert_eq!(DocumentKind::from_slug("Full-Report"), None);
    }

    #[test]
    fn age_bands_cover_childhood_and_stop_at_eighteen() {
        assert_eq!(AgeBand::from_years(0), Some(AgeBand::UnderOne));
        assert_eq!(AgeBand::from_years(4), Some(AgeBand::OneToFour));
        assert_eq!(AgeBand::from_years(5), Some(AgeBand::FiveToTen));
        assert_eq!(AgeBand::from_years(15), Some(AgeBand::ElevenToFifteen));
        assert_eq!(AgeBand::from_years(17), Some(AgeBand::SixteenToSeventeen));
        assert_eq!(AgeBand::from_years(18), None);
    }

    #[test]
    fn empty_details_are_left_out_of_the_stored_record() {
        let details = ReviewDetails::default();
        assert!(details.is_empty());
        let with_child = ReviewDetails {
            child: Some("Child Q".into()),
            ..ReviewDetails::default()
        };
        let json = serde_json::to_string(&with_child).expect("serialises");
        assert_eq!(json, r#"{"child":"Child Q"}"#);
    }

    #[test]
    fn region_path_skips_missing_intermediate_level() {
        let region = Region::known("Scotland", None, "Glasgow City");
        assert_eq!(region.path(), ["Scotland", "Glasgow City"]);
        assert!(!region.is_unknown());
        assert!(Region::unknown("Other").is_unknown());
    }
}
