mod admin;
mod api;
mod exports;
mod fixture;
mod openapi;
mod pages;
mod pipeline;
mod relevance;
