use casesearch_model::{CataloguedReview, Review};

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

    pub fn tagger(&self) -> &ThemeTagger {
        &self.tagger
    }

    pub fn regions(&self) -> &RegionTable {
        &self.regions
    }
}
