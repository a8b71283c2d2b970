use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use casesearch_index::{IndexError, UserMistake};
use serde::Serialize;

/// The one error type of the HTTP API, mapped to a status and a stable machine code in
/// one place ([`ApiError::status_and_code`]). Internal details go to the log only.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidQuery(String),
    #[error("{0}")]
    UnknownQueryField(String),
    #[error("{0}")]
    QueryTooLong(String),
    #[error("unknown parameter {0:?}")]
    UnknownParameter(String),
    #[error("invalid value for {name}: {message}")]
    InvalidParameter { name: String, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("admin endpoints are disabled (no admin token is configured)")]
    AdminDisabled,
    #[error("missing or wrong admin token")]
    Unauthorized,
    #[error("a reindex is already running")]
    ReindexRunning,
    /// The librarian asked for it, so the reason is theirs to see.
    #[error("reindex failed, the live index is unchanged: {0}")]
    ReindexFailed(String),
    #[error("the server is busy; try again in a moment")]
    Overloaded,
    #[error("the request took longer than the server allows ({0} s); try again, or narrow it")]
    Timeout(u64),
    #[error("internal error")]
    Internal(String),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub message: String,
    pub code: &'static str,
}

impl ApiError {
    pub fn invalid(name: &str, message: impl Into<String>) -> ApiError {
        ApiError::InvalidParameter {
            name: name.to_owned(),
            message: message.into(),
        }
    }

    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::InvalidQuery(_) => (StatusCode::BAD_REQUEST, "invalid_query"),
            ApiError::UnknownQueryField(_) => (StatusCode::BAD_REQUEST, "unknown_query_field"),
            ApiError::QueryTooLong(_) => (StatusCode::BAD_REQUEST, "query_too_long"),
            ApiError::UnknownParameter(_) => (StatusCode::BAD_REQUEST, "unknown_parameter"),
            ApiError::InvalidParameter { .. } => (StatusCode::BAD_REQUEST, "invalid_parameter"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::AdminDisabled => (StatusCode::FORBIDDEN, "admin_disabled"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::ReindexRunning => (StatusCode::CONFLICT, "reindex_running"),
            ApiError::ReindexFailed(_) => (StatusCode::INTERNAL_SERVER_ERROR, "reindex_failed"),
            ApiError::Overloaded => (StatusCode::SERVICE_UNAVAILABLE, "overloaded"),
            ApiError::Timeout(_) => (StatusCode::SERVICE_UNAVAILABLE, "timeout"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }

    pub fn body(&self) -> ErrorBody {
        if let ApiError::Internal(detail) = self {
            tracing::error!(%detail, "request failed");
        }
        ErrorBody {
            message: self.to_string(),
            code: self.status_and_code().1,
        }
    }
}

impl From<IndexError> for ApiError {
    fn from(err: IndexError) -> Self {
        let message = err.to_string();
        match err.user_mistake() {
            Some(UserMistake::InvalidQuery) => ApiError::InvalidQuery(message),
            Some(UserMistake::UnknownQueryField) => ApiError::UnknownQueryField(message),
            Some(UserMistake::QueryTooLong) => ApiError::QueryTooLong(message),
            Some(UserMistake::UnknownTheme) => ApiError::invalid("theme", message),
            None if err.is_build_running() => ApiError::ReindexRunning,
            None => ApiError::Internal(message),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(err: tokio::task::JoinError) -> Self {
        ApiError::Internal(format!("search task failed: {err}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        let mut response = (status, Json(self.body())).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(crate::limits::RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}
