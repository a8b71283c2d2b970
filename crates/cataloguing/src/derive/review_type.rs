//! The review type and the document's kind, from the names the four nations'
//! guidance gives them and the abbreviations reviews use.

use casesearch_model::{DocumentKind, ReviewType};

use super::{line_around, page_weight, Ballot, DocumentText, Found, Phrases, LISTING_PAGE};

/// What a phrase says about a document.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Says {
    /// The review type, at full weight.
    Type(ReviewType),
    /// A review type, but the words are also used loosely elsewhere ("learning
    /// review" in an English report, "CPR" for resuscitation), so they count fully only
    /// where the publisher's nation is the type's own.
    TypeInItsNation(ReviewType),
    /// "SCR": a Serious Case Review in England, a Significant Case Review in Scotland.
    Scr,
    /// The national Panel's name: its own reports carry it on the cover, local reviews
    /// mention it in passing (the rapid review goes to the Panel), so it weighs less.
    Panel,
    Kind(DocumentKind),
}

fn phrases() -> Phrases<Says> {
    use DocumentKind as K;
    use ReviewType as T;
    use Says::*;
    Phrases::new([
        ("serious case review", Type(T::SeriousCaseReview)),
        ("serious case reviews", Type(T::SeriousCaseReview)),
        ("scr", Scr),
        ("significant case review", Type(T::SignificantCaseReview)),
        (
            "local child safeguarding practice review",
            Type(T::LocalChildSafeguardingPracticeReview),
        ),
        ("lcspr", Type(T::LocalChildSafeguardingPracticeReview)),
        (
            "child safeguarding practice review",
            Type(T::LocalChildSafeguardingPracticeReview),
        ),
        ("cspr", Type(T::LocalChildSafeguardingPracticeReview)),
        ("child safeguarding practice review panel", Panel),
        ("national child safeguarding practice review panel", Panel),
        ("national review", Type(T::NationalReview)),
        ("national panel review", Type(T::NationalReview)),
        ("rapid review", Type(T::RapidReview)),
        ("child practice review", Type(T::ChildPracticeReview)),
        (
            "concise child practice review",
            Type(T::ChildPracticeReview),
        ),
        (
            "extended child practice review",
            Type(T::ChildPracticeReview),
        ),
        ("adolygiad ymarfer plant", Type(T::ChildPracticeReview)),
        ("cpr", TypeInItsNation(T::ChildPracticeReview)),
        (
            "single unified safeguarding review",
            Type(T::SingleUnifiedSafeguardingReview),
        ),
        ("susr", Type(T::SingleUnifiedSafeguardingReview)),
        (
            "adolygiad diogelu unedig sengl",
            Type(T::SingleUnifiedSafeguardingReview),
        ),
        ("learning review", TypeInItsNation(T::LearningReview)),
        ("initial case review", Type(T::InitialCaseReview)),
        ("icr", TypeInItsNation(T::InitialCaseReview)),
        ("case management review", Type(T::CaseManagementReview)),
        ("cmr", TypeInItsNation(T::CaseManagementReview)),
        ("thematic review", Type(T::ThematicReview)),
        ("executive summary", Kind(K::ExecutiveSummary)),
        ("7 minute briefing", Kind(K::LearningBrief)),
        ("seven minute briefing", Kind(K::LearningBrief)),
        ("7 minute learning briefing", Kind(K::LearningBrief)),
        ("learning brief", Kind(K::LearningBrief)),
        ("learning briefing", Kind(K::LearningBrief)),
        ("practice briefing", Kind(K::LearningBrief)),
        ("practice learning briefing", Kind(K::LearningBrief)),
        ("learning summary", Kind(K::LearningBrief)),
        ("thematic", Kind(K::Thematic)),
    ])
}

/// The review type named in a short text (a catalogue's "review type" column, a link),
/// by the same phrases; `nation` resolves "SCR".
pub fn review_type_in_words(text: &str, nation: Option<&str>) -> Option<ReviewType> {
    phrases()
        .find_in(text)
        .into_iter()
        .find_map(|(says, _)| match says {
            Says::Type(review_type) | Says::TypeInItsNation(review_type) => Some(review_type),
            Says::Scr => Some(scr(nation)),
            Says::Panel => Some(ReviewType::NationalReview),
            Says::Kind(DocumentKind::LearningBrief) => Some(ReviewType::LearningBrief),
            Says::Kind(_) => None,
        })
}

/// "SCR" by the publisher's nation; with none known, England's, which published far
/// more of them.
fn scr(nation: Option<&str>) -> ReviewType {
    match nation {
        Some("Scotland") => ReviewType::SignificantCaseReview,
        _ => ReviewType::SeriousCaseReview,
    }
}

/// Only the cover and the pages that introduce the review say what it is; later pages
/// cite other reviews by type.
const PAGES_READ: usize = 4;

pub(super) fn find(
    document: &DocumentText,
    nation: Option<&str>,
    many_children: bool,
) -> (Option<Found<ReviewType>>, Option<Found<DocumentKind>>) {
    let phrases = phrases();
    let mut types = Ballot::new();
    let mut kinds = Ballot::new();
    // `kinds_too`: whether the text can say what form the document takes (its own pages
    // can; a listing page's line may be about a sibling document).
    let mut read = |text: &str, weight: f32, source: &str, kinds_too: bool| {
        for (says, range) in phrases.find_in(text) {
            let evidence = line_around(text, &range);
            match says {
                Says::Type(review_type) => types.vote(Slug(review_type), weight, &evidence, source),
                Says::TypeInItsNation(review_type) => {
                    let at_home = review_type.nation() == nation;
                    let weight = if at_home { weight } else { weight * 0.1 };
                    types.vote(Slug(review_type), weight, &evidence, source);
                }
                Says::Scr => types.vote(Slug(scr(nation)), weight, &evidence, source),
                Says::Panel => types.vote(
                    Slug(ReviewType::NationalReview),
                    weight * 0.5,
                    &evidence,
                    source,
                ),
                Says::Kind(kind) if kinds_too => {
                    kinds.vote(KindSlug(kind), weight, &evidence, source)
                }
                Says::Kind(_) => {}
            }
        }
    };
    for line in &document.listing {
        read(line, page_weight(1), LISTING_PAGE, false);
    }
    for page in document.pages.iter().take(PAGES_READ) {
        read(page.text, page_weight(page.number), page.label, true);
    }
    if let Some(title) = document.title {
        read(title, 3.0, "PDF metadata (title)", true);
    }
    let review_type = types.winner().map(|found| Found {
        value: found.value.0,
        derivation: found.derivation,
    });
    // A kind is what the cover says the document is; mentions inside a full report
    // ("the executive summary is published separately") do not make it one.
    let kind = kinds
        .winner()
        .filter(|found| {
            found.derivation.source == "p. 1" || found.derivation.source.starts_with("PDF")
        })
        .map(|found| Found {
            value: found.value.0,
            derivation: found.derivation,
        });
    let review_type = review_type.or_else(|| {
        // A briefing that names no review type is filed as a learning brief.
        kind.as_ref()
            .filter(|kind| kind.value == DocumentKind::LearningBrief)
            .map(|kind| Found {
                value: ReviewType::LearningBrief,
                derivation: kind.derivation.clone(),
            })
    });
    let kind = kind.or_else(|| {
        // Learning across several children's cases is thematic whatever its cover says.
        let thematic_type = review_type
            .as_ref()
            .is_some_and(|found| found.value == ReviewType::ThematicReview);
        let (kind, evidence) = if many_children || thematic_type {
            (
                DocumentKind::Thematic,
                "several children are named as cases, none as the subject",
            )
        } else {
            (
                DocumentKind::FullReport,
                "no cover words for a summary or briefing",
            )
        };
        review_type.as_ref().map(|_| Found {
            value: kind,
            derivation: casesearch_model::Derivation {
                value: kind.slug().to_owned(),
                evidence: evidence.to_owned(),
                source: "text".to_owned(),
                confidence: 0.6,
            },
        })
    });
    (review_type, kind)
}

/// Ballot values print as their stored slugs.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Slug(ReviewType);

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.slug())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct KindSlug(DocumentKind);

impl std::fmt::Display for KindSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scr_is_resolved_by_the_publishers_nation() {
        assert_eq!(
            review_type_in_words("SCR Child D", Some("Scotland")),
            Some(ReviewType::SignificantCaseReview)
        );
        assert_eq!(
            review_type_in_words("SCR Child D", Some("England")),
            Some(ReviewType::SeriousCaseReview)
        );
        assert_eq!(
            review_type_in_words("Extended Child Practice Review", None),
            Some(ReviewType::ChildPracticeReview)
        );
        assert_eq!(
            review_type_in_words(
                "A report of the Child Safeguarding Practice Review Panel",
                None
            ),
            Some(ReviewType::NationalReview)
        );
        assert_eq!(review_type_in_words("Child protection in 2020", None), None);
    }
}
