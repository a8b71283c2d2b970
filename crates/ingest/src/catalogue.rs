use casesearch_model::{CataloguedReview, Review};

use crate::overrides::Overrides;
use crate::{Corpus, IngestError, RegionTable, ThemeRules, ThemeTagger};

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

    /// Loads the corpus's theme rules and regions table, and learns the boilerplate of
    /// `reviews` (normally the whole corpus) so template sentences tag nothing.
    pub fn load(corpus: &Corpus, reviews: &[Review]) -> Result<Cataloguer, IngestError> {
        let mut tagger = ThemeTagger::new(ThemeRules::load(&corpus.themes_path())?);
        tagger.learn_boilerplate(reviews);
        let regions = RegionTable::load(&corpus.regions_path())?;
        let overrides = Overrides::load(&corpus.overrides_path())?;
        Ok(Cataloguer::new(tagger, regions).with_overrides(overrides))
    }

    pub fn catalogue(&self, review: &Review) -> CataloguedReview {
        let mut review = review.clone();
        self.overrides.apply(&mut review);
        CataloguedReview {
            region: self.regions.place(&review.publisher),
            themes: self.tagger.tag(&review),
            review,
        }
    }

    pub fn overrides(&self) -> &Overrides {
        &self.overrides
    }

    pub fn tagger(&self) -> &ThemeTagger {
        &self.tagger
    }

    pub fn regions(&self) -> &RegionTable {
        &self.regions
    }
}
