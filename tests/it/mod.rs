mod api;
mod fixture;
mod pages;
mod pipeline;
mod relevance;
