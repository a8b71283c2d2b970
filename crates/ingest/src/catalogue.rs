use casesearch_model::{CataloguedReview, Review};
use rayon::prelude::*;

use crate::{Corpus, IngestError, RegionTable, ThemeRules, ThemeTagger};

/// Turns records into catalogued reviews: themes from the tagger, region from the table.
pub struct Cataloguer {
    tagger: ThemeTagger,
    regions: RegionTable,
}

impl Cataloguer {
    pub fn new(tagger: ThemeTagger, regions: RegionTable) -> Cataloguer {
        Cataloguer { tagger, regions }
    }

    /// Loads the corpus's theme rules and regions table, and learns the boilerplate of
    /// `reviews` (normally the whole corpus) so template sentences tag nothing.
    pub fn load(corpus: &Corpus, reviews: &[Review]) -> Result<Cataloguer, IngestError> {
        let mut tagger = ThemeTagger::new(ThemeRules::load(&corpus.themes_path())?);
        tagger.learn_boilerplate(reviews);
        let regions = RegionTable::load(&corpus.regions_path())?;
        Ok(Cataloguer::new(tagger, regions))
    }

    pub fn catalogue(&self, review: &Review) -> CataloguedReview {
        CataloguedReview {
            region: self.regions.place(&review.publisher),
            themes: self.tagger.tag(review),
            review: review.clone(),
        }
    }

    /// Catalogues every review, in order, on every core (tagging is most of a build's
    /// time), taking the reviews rather than copying them: a corpus is held once.
    pub fn catalogue_all(&self, reviews: Vec<Review>) -> Vec<CataloguedReview> {
        reviews
            .into_par_iter()
            .map(|review| CataloguedReview {
                region: self.regions.place(&review.publisher),
                themes: self.tagger.tag(&review),
                review,
            })
            .collect()
    }

    pub fn tagger(&self) -> &ThemeTagger {
        &self.tagger
    }

    pub fn regions(&self) -> &RegionTable {
        &self.regions
    }
}
