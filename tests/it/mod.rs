mod admin;
mod api;
mod exports;
mod fixture;
mod pages;
mod pipeline;
mod relevance;
