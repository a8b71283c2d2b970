use casesearch_model::{CataloguedReview, Review, ReviewType};
use rayon::prelude::*;

use std::path::PathBuf;

use crate::overrides::Overrides;
use crate::{CatalogueError, RegionTable, ThemeRules, ThemeTagger};

/// Where the librarian's cataloguing files are (a corpus knows its own:
/// `casesearch_ingest::Corpus::catalogue_files`). The overrides file may be missing.
#[derive(Debug, Clone)]
pub struct CatalogueFiles {
    pub themes: PathBuf,
    pub regions: PathBuf,
    pub overrides: PathBuf,
}

/// Turns records into catalogued reviews: the librarian's overrides first, then themes
/// from the tagger and region from the table (so an overridden publisher is placed).
pub struct Cataloguer {
    tagger: ThemeTagger,
    regions: RegionTable,
    overrides: Overrides,
}

impl Cataloguer {
    pub fn new(tagger: ThemeTagger, regions: RegionTable) -> Cataloguer {
        Cataloguer {
            tagger,
            regions,
            overrides: Overrides::default(),
        }
    }

    pub fn with_overrides(self, overrides: Overrides) -> Cataloguer {
        Cataloguer { overrides, ..self }
    }

    /// Loads the theme rules, regions table and overrides, and learns the boilerplate of
    /// `reviews` (normally the whole corpus) so template sentences tag nothing.
    pub fn load(files: &CatalogueFiles, reviews: &[Review]) -> Result<Cataloguer, CatalogueError> {
        let mut tagger = ThemeTagger::new(ThemeRules::load(&files.themes)?);
        tagger.learn_boilerplate(reviews);
        let regions = RegionTable::load(&files.regions)?;
        let overrides = Overrides::load(&files.overrides)?;
        overrides.check_themes(tagger.rules()).map_err(|message| {
            CatalogueError::InvalidOverrides {
                path: files.overrides.clone(),
                message,
            }
        })?;
        Ok(Cataloguer::new(tagger, regions).with_overrides(overrides))
    }

    pub fn catalogue(&self, review: &Review) -> CataloguedReview {
        self.catalogue_owned(review.clone())
    }

    fn catalogue_owned(&self, mut review: Review) -> CataloguedReview {
        self.overrides.apply(&mut review);
        add_coroners_subject_age(&mut review);
        let mut themes = self.tagger.tag(&review);
        self.overrides
            .apply_themes(&review.id, &mut themes, self.tagger.rules());
        CataloguedReview {
            region: self.regions.place(&review.publisher),
            themes,
            review,
        }
    }

    pub fn overrides(&self) -> &Overrides {
        &self.overrides
    }

    /// Catalogues every review, in order, on every core (tagging is most of a build's
    /// time), taking the reviews rather than copying them: a corpus is held once.
    pub fn catalogue_all(&self, reviews: Vec<Review>) -> Vec<CataloguedReview> {
        reviews
            .into_par_iter()
            .map(|review| self.catalogue_owned(review))
            .collect()
    }

    pub fn tagger(&self) -> &ThemeTagger {
        &self.tagger
    }

    pub fn regions(&self) -> &RegionTable {
        &self.regions
    }
}

/// A coroner's report states the deceased's age in its opening ("aged 46"); case reviews
/// get theirs when their text is read (`derive`). The librarian's value, if any, stands.
fn add_coroners_subject_age(review: &mut Review) {
    if review.review_type != ReviewType::PreventionOfFutureDeaths
        || review.details.age_band.is_some()
    {
        return;
    }
    if let Some(found) = crate::derive::subject_age(review) {
        review.details.age_band = Some(found.value);
        review
            .details
            .derived
            .insert("age_band".to_owned(), found.derivation);
    }
}
